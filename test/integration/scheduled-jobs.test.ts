/** Scheduled jobs (runAt, delayMs) on the real RabbitMQ and Azurite: Scheduled with dueAt, never early, on time. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/contracts/audit-event.js';
import { TestSystem } from '../helpers/system.js';

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/cli.js');
const system = new TestSystem();

beforeAll(async () => {
  await system.start();
  await system.startProcessor({ BATON_CONCURRENCY: '8' });
});

afterAll(() => system.stop());

async function startedAfterDue(jobId: string, dueAtMs: number): Promise<{ history: AuditEvent[]; lateMs: number }> {
  await system.waitForAll([jobId], 'Completed', 60_000);
  const history = await system.history(jobId);
  const started = history.find((event) => event.status === 'Started')!;
  return { history, lateMs: Date.parse(started.timestamp) - dueAtMs };
}

describe('scheduled jobs', () => {
  it('records Scheduled with the due time and starts each job after it, never before', async () => {
    const now = Date.now();
    const jobs = [
      system.job({ jobName: 'delay 2s', delayMs: 2_000, processingParameters: { steps: 1, stepMs: 10 } }),
      system.job({ jobName: 'delay 4.5s', delayMs: 4_500, processingParameters: { steps: 1, stepMs: 10 } }),
      system.job({ jobName: 'runAt +3s', runAt: new Date(now + 3_000).toISOString(), processingParameters: { steps: 1, stepMs: 10 } }),
      system.job({ jobName: 'runAt past', runAt: new Date(now - 60_000).toISOString(), processingParameters: { steps: 1, stepMs: 10 } }),
    ];
    const published = await Promise.all(jobs.map((job) => system.publisher.publish(job)));
    for (const [i, job] of jobs.slice(0, 3).entries()) {
      const dueAt = published[i]!.dueAt!;
      expect(dueAt).toBeDefined();
      const { history, lateMs } = await startedAfterDue(job.jobId, Date.parse(dueAt));
      expect(history[0]).toMatchObject({ status: 'Scheduled', dueAt });
      expect(history[0]!.message).toContain(dueAt);
      expect(lateMs, job.jobName).toBeGreaterThanOrEqual(0);
      expect(lateMs, job.jobName).toBeLessThan(5_000); // precision is a benchmark figure; this only says "on time"
    }
    // A due time already past: an ordinary job.
    expect(published[3]!.dueAt).toBeUndefined();
    await system.waitForAll([jobs[3]!.jobId], 'Completed');
    expect((await system.statuses(jobs[3]!.jobId))[0]).toBe('Queued');
  });

  it('sends back a job that reaches a processor before its runAt (any producer may send it straight to the queue)', async () => {
    const runAt = Date.now() + 3_000;
    const job = system.job({ jobName: 'raw scheduled', runAt: new Date(runAt).toISOString(), processingParameters: { steps: 1, stepMs: 10 } });
    system.publishRaw(JSON.stringify(job));
    const { history, lateMs } = await startedAfterDue(job.jobId, runAt);
    expect(lateMs).toBeGreaterThanOrEqual(0);
    expect(history.filter((event) => event.status === 'Started')).toHaveLength(1);
  });

  it('runs a scheduled job now on request; its delayed copy becomes a Duplicate at its due time', async () => {
    // Far enough ahead that a slow start of the CLI on a loaded machine cannot reach the due time first.
    const job = system.job({ jobName: 'run me now', delayMs: 40_000, processingParameters: { steps: 1, stepMs: 10 } });
    const { dueAt } = await system.publisher.publish(job);
    const env = { ...process.env, BATON_NAMESPACE: system.namespace, BATON_ACTOR: 'ops@test' };
    const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'jobs', 'run-now', job.jobId], { env });
    expect(stdout).toContain('starting now');
    await system.waitForAll([job.jobId], 'Completed', 20_000);
    const history = await system.history(job.jobId);
    expect(Date.parse(history.find((e) => e.status === 'Started')!.timestamp)).toBeLessThan(Date.parse(dueAt!));
    expect(history[1]).toMatchObject({ status: 'Queued' });
    expect(history[1]!.message).toContain('ops@test');
    // Not waiting any more: refused, naming why.
    const again = await promisify(execFile)(process.execPath, [CLI, 'jobs', 'run-now', job.jobId], { env }).catch((error: { code: number; stderr: string }) => error);
    expect((again as { stderr: string }).stderr).toMatch(/not waiting for its due time/);
    await system.waitForAll([job.jobId], 'Duplicate', 90_000);
    const duplicate = (await system.history(job.jobId)).find((e) => e.status === 'Duplicate')!;
    expect(Date.parse(duplicate.timestamp)).toBeGreaterThanOrEqual(Date.parse(dueAt!));
    expect((await system.statuses(job.jobId)).filter((s) => s === 'Started')).toHaveLength(1);
  }, 150_000);

  it('publishes with --delay and --run-at from the command line, and refuses a bad value naming it', async () => {
    const run = promisify(execFile);
    const env = { ...process.env, BATON_NAMESPACE: system.namespace, BATON_LOG_LEVEL: 'warn' };
    const { stdout } = await run(process.execPath, [CLI, 'publish', '--name', 'cli delayed', '--steps', '1', '--step-ms', '10', '--delay', '2s', '--json'], { env });
    const published = JSON.parse(stdout.trim()) as { jobId: string; dueAt: string; queuedAt: string };
    expect(Date.parse(published.dueAt) - Date.parse(published.queuedAt)).toBe(2_000);
    const { lateMs } = await startedAfterDue(published.jobId, Date.parse(published.dueAt));
    expect(lateMs).toBeGreaterThanOrEqual(0);

    // Far enough ahead that a slow start of the CLI cannot make it a due time already past.
    const runAt = new Date(Date.now() + 60_000).toISOString();
    const second = await run(process.execPath, [CLI, 'publish', '--name', 'cli runAt', '--steps', '1', '--step-ms', '10', '--run-at', runAt, '--json'], { env });
    expect(JSON.parse(second.stdout.trim())).toMatchObject({ dueAt: runAt });

    const bad = await run(process.execPath, [CLI, 'publish', '--name', 'x', '--delay', '3 weeks'], { env }).catch((error: { code: number; stderr: string }) => error);
    expect(bad).toMatchObject({ code: 2 }); // a bad flag: exit 2, like every other setting
    expect((bad as { stderr: string }).stderr).toMatch(/BATON_PUBLISH_DELAY \(--delay\) must be a duration like 90s/);
    const tooFar = await run(process.execPath, [CLI, 'publish', '--name', 'x', '--run-at', new Date(Date.now() + 400 * 86_400_000).toISOString()], { env })
      .catch((error: { code: number; stderr: string }) => error);
    expect((tooFar as { stderr: string }).stderr).toMatch(/runAt: at most 366 days ahead/);
    expect((await system.history(JSON.parse(second.stdout.trim()).jobId as string))[0]).toMatchObject({ status: 'Scheduled', dueAt: runAt });
  });
});
