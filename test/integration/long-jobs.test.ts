/**
 * Jobs longer than RabbitMQ's consumer_timeout (issue 12), on the real broker and Azurite. The broker's
 * timeout is shortened to 20 s while the processors open their channels (a channel reads it when it is
 * created) and set back to 1,800,000 ms at once, in a `finally`. Three namespaces run side by side so the
 * file takes about three minutes: a 150 s job handed off (traced, and with a short job waiting behind it for
 * the processor's only slot); a 100 s job whose processor is SIGKILLed after the handoff; and a control,
 * with the handoff out of reach, that shows the broker's timeout is in force.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/contracts/audit-event.js';
import { OtlpReceiver } from '../helpers/otlp-receiver.js';
import { attemptIntervals, TestSystem, waitFor, type ProcessorProcess } from '../helpers/system.js';

const run = promisify(execFile);
const DEFAULT_CONSUMER_TIMEOUT_MS = 1_800_000;
const SHORT_CONSUMER_TIMEOUT_MS = 20_000;
/** Short leases so that a killed processor's job is recovered quickly; a handoff long before the broker's 20 s. */
const LONG_JOB_ENV = { BATON_LEASE_SECONDS: '15', BATON_HANDOFF_AFTER_SECONDS: '3' };
const NOISE = ['Deferred', 'Duplicate', 'Interrupted', 'LeaseLost'];

async function setConsumerTimeout(ms: number): Promise<void> {
  await run('rabbitmqctl', ['eval', `application:set_env(rabbit, consumer_timeout, ${ms}).`]);
}

const plain = new TestSystem();
const killed = new TestSystem();
const control = new TestSystem();
const receiver = new OtlpReceiver();

afterAll(async () => {
  await Promise.all([plain.stop(), killed.stop(), control.stop()]);
  await receiver.close();
});

const statuses = (history: AuditEvent[]) => history.map((event) => event.status);
const brokerClosedChannel = (p: ProcessorProcess) => p.logged('broker channel error') || p.logged('broker connection lost');

it('runs jobs past the broker\'s consumer timeout: no closed channel, no redelivery, recovered after a SIGKILL', async () => {
  await Promise.all([plain.start(), killed.start(), control.start()]);
  // Tracing on for the first: the amqplib instrumentation ends a consume span after 60 s unless it is settled.
  const tracing = {
    OTEL_EXPORTER_OTLP_ENDPOINT: await receiver.start(),
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_BSP_SCHEDULE_DELAY: '500',
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'none',
  };
  let plainProcessor: ProcessorProcess;
  let killedPair: ProcessorProcess[];
  let controlProcessor: ProcessorProcess;
  try {
    await setConsumerTimeout(SHORT_CONSUMER_TIMEOUT_MS);
    // Four at once on a busy machine: more time to start than one alone.
    [plainProcessor, controlProcessor, ...killedPair] = await Promise.all([
      plain.startProcessor({ ...LONG_JOB_ENV, ...tracing }, 60_000),
      control.startProcessor({ ...LONG_JOB_ENV, BATON_HANDOFF_AFTER_SECONDS: '3600' }, 60_000),
      killed.startProcessor(LONG_JOB_ENV, 60_000),
      killed.startProcessor(LONG_JOB_ENV, 60_000),
    ]);
  } finally {
    await setConsumerTimeout(DEFAULT_CONSUMER_TIMEOUT_MS);
  }
  const { stdout } = await run('rabbitmqctl', ['eval', 'application:get_env(rabbit, consumer_timeout).']);
  expect(stdout).toContain(String(DEFAULT_CONSUMER_TIMEOUT_MS));

  const longJob = plain.job({ jobName: 'two and a half minutes', processingParameters: { steps: 30, stepMs: 5000 } });
  const killedJob = killed.job({ jobName: 'killed after its handoff', processingParameters: { steps: 20, stepMs: 5000 } });
  const controlJob = control.job({ jobName: 'never handed off', processingParameters: { steps: 20, stepMs: 5000 } });
  await Promise.all([plain.publish([longJob]), killed.publish([killedJob]), control.publish([controlJob])]);

  // Behind the long job, for the processor's only slot: its delivery must not be held past the timeout either.
  const behind = plain.job({ jobName: 'waits for the slot', processingParameters: { steps: 1, stepMs: 100 } });
  await waitFor(() => plainProcessor.logged('delivery handed off'), 'the long job\'s handoff', 20_000, 250);
  await plain.publish([behind]);

  // The control: with no handoff the broker closes the channel (about once a minute it looks).
  const controlCheck = waitFor(() => brokerClosedChannel(controlProcessor), 'the broker to close the control processor\'s channel', 130_000, 500).then(() => {
    expect(controlProcessor.lines.join('\n')).toContain('timed out');
    controlProcessor.signal('SIGKILL');
  });

  // The SIGKILL: whichever of the two runs the job, once its delivery was handed off and a step or two later.
  const killCheck = (async () => {
    const first = await waitFor(async () => (await killed.history(killedJob.jobId)).find((e) => e.status === 'Started'), 'the killed job to start', 30_000, 250);
    const runner = killedPair.find((p) => p.processorId === first.processorId)!;
    const survivor = killedPair.find((p) => p !== runner)!;
    await waitFor(() => runner.logged('delivery handed off'), 'the handoff', 20_000, 250);
    await waitFor(async () => statuses(await killed.history(killedJob.jobId)).filter((s) => s === 'Step').length >= 4, 'a few steps', 60_000, 250);
    runner.signal('SIGKILL');
    const killedAt = Date.now();
    await runner.exited;
    await killed.waitForAll([killedJob.jobId], 'Completed', 200_000);
    return { survivor, killedAt };
  })();

  await plain.waitForAll([longJob.jobId, behind.jobId], 'Completed', 220_000);
  const { survivor, killedAt } = await killCheck;
  await controlCheck;

  // A recovery copy comes back within one lease period (15 s) of the end and is dropped, unrecorded.
  await new Promise((resolve) => setTimeout(resolve, 17_000));

  const longHistory = await plain.history(longJob.jobId);
  expect(statuses(longHistory).filter((s) => s !== 'Step')).toEqual(['Queued', 'Started', 'Completed']);
  expect(statuses(longHistory).filter((s) => s === 'Step')).toHaveLength(30);
  expect(plainProcessor.logged('delivery handed off')).toBe(true);
  expect(brokerClosedChannel(plainProcessor)).toBe(false);
  const longRun = attemptIntervals(longHistory)[0]!;
  expect(longRun.end - longRun.start).toBeGreaterThan(140_000);
  const behindHistory = await plain.history(behind.jobId);
  expect(statuses(behindHistory)).toEqual(['Queued', 'Started', 'Step', 'Completed']);
  expect(attemptIntervals(behindHistory)[0]!.start).toBeGreaterThanOrEqual(longRun.end);
  // Traced: the long attempt's span ends with its outcome, and no consume span was ended by the instrumentation's timeout.
  await waitFor(() => receiver.spans.some((s) => s.attributes['baton.job.id'] === longJob.jobId && s.attributes['baton.outcome'] === 'completed'), 'the long attempt\'s span', 20_000, 250);
  expect(receiver.spans.filter((s) => s.status.message?.includes('instrumentation timeout'))).toEqual([]);

  const killedHistory = await killed.history(killedJob.jobId);
  expect(statuses(killedHistory).filter((s) => s !== 'Step')).toEqual(['Queued', 'Started', 'Started', 'Completed']);
  for (const status of NOISE) expect(statuses(killedHistory)).not.toContain(status);
  const [dead, recovered] = attemptIntervals(killedHistory);
  expect(recovered!.processorId).toBe(survivor.processorId);
  expect(killedHistory.filter((e) => e.status === 'Started')[1]!.message).toContain('attempt 1 ended without a record');
  // Not before the killed processor's lease (15 s) could have run out; within two lease periods and a margin.
  expect(recovered!.start).toBeGreaterThan(killedAt);
  expect(recovered!.start - killedAt).toBeLessThan(45_000);
  expect(dead!.endStatus).toBe('none');
  expect(brokerClosedChannel(survivor)).toBe(false);

  // Nothing left over: the last recovery copies were dropped, not parked in a queue.
  for (const system of [plain, killed]) expect(await system.messageCount(system.names.jobsQueue)).toBe(0);
}, 330_000);
