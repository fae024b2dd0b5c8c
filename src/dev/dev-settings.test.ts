import { describe, expect, it } from 'vitest';
import { loadConfig } from '../core/config.js';
import { childEnvironment } from './dev-settings.js';

describe('childEnvironment', () => {
  it('hands resolved settings on as variables, and never one processor id or metrics port to both processors', () => {
    const config = loadConfig({ env: { BATON_NAMESPACE: 'devtest', BATON_CONCURRENCY: '3' }, flags: { dashboardPort: 6000 } });
    const env = childEnvironment(config, { BATON_PROCESSOR_ID: 'dev-1' }, { PATH: '/bin', BATON_PROCESSOR_ID: 'mine', BATON_METRICS_PORT: '9000' });
    expect(env).toMatchObject({ PATH: '/bin', BATON_NAMESPACE: 'devtest', BATON_CONCURRENCY: '3', BATON_DASHBOARD_PORT: '6000', BATON_PROCESSOR_ID: 'dev-1' });
    expect(env.BATON_METRICS_PORT).toBeUndefined();
    expect(childEnvironment(config, {}, { BATON_PROCESSOR_ID: 'mine' }).BATON_PROCESSOR_ID).toBeUndefined();
  });
});
