import { defineConfig } from 'vitest/config';

/** `npm run test:cluster`: Baton on a three-node RabbitMQ cluster started for the run (minutes; not in `npm test`). */
export default defineConfig({
  test: {
    include: ['test/cluster/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 900_000,
    hookTimeout: 300_000,
    maxWorkers: 1,
  },
});
