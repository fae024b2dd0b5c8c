/**
 * BATON_AMQP_URL as a list of cluster nodes: a processor whose list holds a node that is down (nothing listens on
 * its port) still connects, to the next one, whichever it starts from, and runs jobs.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort } from '../../src/dev/ports.js';
import { AMQP_URL, TestSystem } from '../helpers/system.js';

const system = new TestSystem();
beforeAll(() => system.start());
afterAll(() => system.stop());

it('connects past a node that is down, from any starting point in the list, and runs jobs', async () => {
  const down = `amqp://guest:guest@127.0.0.1:${await freePort()}`;
  // Each processor starts at a random place in its list: three of them make it likely that one starts at the dead node.
  for (const list of [`${down},${AMQP_URL}`, `${AMQP_URL},${down}`, `${down}, ${down}, ${AMQP_URL}`]) {
    await system.startProcessor({ BATON_AMQP_URL: list });
  }
  const jobs = Array.from({ length: 12 }, (_, i) => system.job({ jobName: `listed ${i}`, processingParameters: { steps: 1, stepMs: 10 } }));
  await system.publish(jobs);
  await system.waitForAll(jobs.map((j) => j.jobId), 'Completed');
  for (const processor of system.processors) {
    expect(processor.logged('processor started')).toBe(true);
    expect(processor.lines.join('\n')).not.toMatch(/amqp:\/\/guest:guest@/); // the list's passwords are never logged
  }
});
