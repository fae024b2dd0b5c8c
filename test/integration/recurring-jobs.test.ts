/** Recurring jobs on the real RabbitMQ and Azurite: one job per due time across processors, through a SIGKILL. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { odata } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestSystem, waitFor } from '../helpers/system.js';

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/cli.js');
const system = new TestSystem();
const run = promisify(execFile);
const cli = (...args: string[]) => run(process.execPath, [CLI, ...args], { env: { ...process.env, BATON_NAMESPACE: system.namespace } });

beforeAll(async () => {
  await system.start();
});

afterAll(() => system.stop());

/** Every job a schedule fired: jobId → its state row's status. */
async function firedJobs(schedule: string): Promise<Map<string, string>> {
  const jobs = new Map<string, string>();
  const rows = system.storage.clients.table(system.names.auditTable).listEntities<{ status: string }>({
    queryOptions: { filter: odata`PartitionKey ge ${`${schedule}:`} and PartitionKey lt ${`${schedule};`} and RowKey eq ${'state'}` },
  });
  for await (const row of rows) jobs.set(row.partitionKey!, row.status);
  return jobs;
}

describe('recurring jobs', () => {
  it('fires one every-2-seconds schedule exactly once per due time from two processors, one SIGKILLed midway', async () => {
    const processors = [await system.startProcessor(), await system.startProcessor()];
    await cli('schedules', 'add', 'ticker', '--cron', '*/2 * * * * *', '--steps', '1', '--step-ms', '10');
    const leader = await waitFor(() => processors.find((p) => p.logged('scheduler lease taken')), 'a processor to take the scheduler lease', 20_000);
    const other = processors.find((p) => p !== leader)!;
    await new Promise((resolve) => setTimeout(resolve, 12_000));
    leader.signal('SIGKILL');
    await leader.exited;
    await waitFor(() => other.logged('scheduler lease taken'), 'the other processor to take over within one lease period', 25_000);
    await new Promise((resolve) => setTimeout(resolve, 8_000));
    await cli('schedules', 'pause', 'ticker');
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // a fire in flight when it was paused
    const fired = await firedJobs('ticker');
    const dueTimes = [...fired.keys()].map((jobId) => Date.parse(jobId.slice('ticker:'.length))).sort((a, b) => a - b);
    // One job per due time: every 2 s from the first to the last, none missing across the takeover.
    expect(dueTimes.length).toBeGreaterThanOrEqual(12);
    for (let i = 1; i < dueTimes.length; i++) expect(dueTimes[i]! - dueTimes[i - 1]!).toBe(2_000);
    // …and each ran to one Completed (a double fire would be a Duplicate, never a second run).
    await system.waitForAll([...fired.keys()], 'Completed', 60_000);
    for (const jobId of fired.keys()) {
      const statuses = await system.statuses(jobId);
      expect(statuses.filter((s) => s === 'Completed'), jobId).toHaveLength(1);
    }
  }, 150_000);

  it('lists, triggers, resumes and removes a schedule; refuses a bad expression or zone naming it', async () => {
    await cli('schedules', 'add', 'weekly', '--cron', '0 9 * * 1', '--tz', 'Europe/Berlin', '--job-name', 'Weekly report', '--priority', '5');
    const listed = JSON.parse((await cli('schedules', 'list', '--json')).stdout) as Array<{ name: string; nextRuns: string[]; job: Record<string, unknown> }>;
    const weekly = listed.find((s) => s.name === 'weekly')!;
    expect(weekly.nextRuns).toHaveLength(5);
    expect(new Date(weekly.nextRuns[0]!).getUTCDay()).toBe(1);
    expect(weekly.job).toMatchObject({ jobName: 'Weekly report', priority: 5 });
    const jobId = (await cli('schedules', 'trigger', 'weekly')).stdout.trim();
    expect(jobId).toMatch(/^weekly:\d{4}-\d\d-\d\dT/);
    expect((await system.history(jobId))[0]).toMatchObject({ status: 'Queued', jobName: 'Weekly report' });
    await cli('schedules', 'resume', 'ticker');
    await cli('schedules', 'remove', 'ticker');
    await cli('schedules', 'remove', 'weekly');
    expect(JSON.parse((await cli('schedules', 'list', '--json')).stdout)).toEqual([]);
    for (const [args, message] of [
      [['--cron', '61 * * * *'], /Invalid value for minute/],
      [['--cron', '0 9 * * *', '--tz', 'Mars/Olympus'], /time zone "Mars\/Olympus" is not an IANA zone/],
      [['--cron', '* * *'], /5 fields/],
    ] as const) {
      const refused = await cli('schedules', 'add', 'bad', ...args).catch((error: { code: number; stderr: string }) => error);
      expect(refused).toMatchObject({ code: 2 });
      expect((refused as { stderr: string }).stderr).toMatch(message);
    }
  });
});
