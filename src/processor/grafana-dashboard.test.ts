/** docs/grafana-baton.json charts only metrics the processor exports (so a renamed metric cannot leave it blank). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ProcessorMetrics } from './metrics.js';

const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/grafana-baton.json');
const dashboard = JSON.parse(readFileSync(file, 'utf8')) as { panels: Array<{ title: string; targets: Array<{ expr: string }> }> };

describe('the Grafana dashboard', () => {
  it('queries only metrics the processor registers, and covers seed 000 figures', async () => {
    const exported = new Set((await new ProcessorMetrics().registry.getMetricsAsJSON()).map((metric) => metric.name));
    const used = new Set(dashboard.panels.flatMap((panel) => panel.targets.flatMap((target) => target.expr.match(/baton_[a-z_]+/g) ?? [])));
    for (const name of used) expect(exported.has(name.replace(/_(bucket|count|sum)$/, '')), name).toBe(true);
    for (const name of ['baton_jobs_claimed_total', 'baton_jobs_processed_total', 'baton_jobs_in_flight', 'baton_job_duration_seconds_bucket', 'baton_lease_renewals_total', 'baton_errors_total']) {
      expect(used.has(name), name).toBe(true);
    }
  });
});
