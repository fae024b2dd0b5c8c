/**
 * BATON_QUEUE_TYPE on the real RabbitMQ: quorum queues for every queue Baton declares (jobs, dead-letter, delay),
 * jobs run on them, and a processor whose queue type disagrees with the existing queues stops with a clear error.
 */
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestSystem, waitFor } from '../helpers/system.js';

interface ListedQueue {
  readonly name: string;
  readonly type: string;
  readonly arguments: unknown;
}

/** The namespace's queues as the broker lists them (type and arguments), through rabbitmqctl. */
function listQueues(namespace: string): Promise<ListedQueue[]> {
  return new Promise((resolve, reject) =>
    execFile('rabbitmqctl', ['list_queues', 'name', 'type', 'arguments', '--formatter', 'json', '-q'], { timeout: 60_000 }, (error, stdout) => {
      if (error) return reject(error);
      resolve((JSON.parse(stdout) as ListedQueue[]).filter((q) => q.name.startsWith(`${namespace}.`)));
    }),
  );
}

describe('BATON_QUEUE_TYPE=quorum', () => {
  const system = new TestSystem(undefined, 'quorum');
  beforeAll(async () => {
    await system.start();
    await system.startProcessor({ BATON_CONCURRENCY: '2' });
  });
  afterAll(() => system.stop());

  it('declares jobs, dead-letter and delay queues as quorum queues, and jobs run, retry and dead-letter on them', async () => {
    const ok = system.job({ jobName: 'plain', processingParameters: { steps: 1, stepMs: 10 } });
    const flaky = system.job({ jobName: 'fails once', processingParameters: { steps: 1, stepMs: 10, failTimes: 1 } });
    const doomed = system.job({ jobName: 'always fails', maxAttempts: 1, processingParameters: { steps: 1, stepMs: 10, failTimes: 5 } });
    await system.publish([ok, flaky, doomed]);
    await system.waitForAll([ok.jobId, flaky.jobId], 'Completed');
    await system.waitForAll([doomed.jobId], 'DeadLettered');
    // The flaky job's retry waited in a delay queue and came back through at-least-once dead-lettering.
    expect(await system.statuses(flaky.jobId)).toEqual(expect.arrayContaining(['Failed', 'Retrying', 'Completed']));
    expect((await system.statuses(flaky.jobId)).filter((s) => s === 'Completed')).toHaveLength(1);
    const dead = await waitFor(async () => {
      const found = await system.deadLetters();
      return found.length > 0 ? found : undefined;
    }, 'the dead letter');
    expect(JSON.parse(dead[0]!.body.toString('utf8')).jobId).toBe(doomed.jobId);
    const queues = await listQueues(system.namespace);
    const names = queues.map((q) => q.name);
    expect(names).toEqual(expect.arrayContaining([system.names.jobsQueue, system.names.deadQueue]));
    const delays = queues.filter((q) => q.name.includes('.delay.'));
    expect(delays.length).toBeGreaterThan(0); // the retry waited in one
    // Every durable queue is a quorum queue; a processor's own control queue (cancel broadcasts) is
    // exclusive and transient, which RabbitMQ allows only as a classic queue: it holds nothing to replicate.
    const control = queues.filter((q) => q.name.startsWith(`${system.names.controlExchange}.`));
    expect(control.length).toBeGreaterThan(0);
    for (const queue of control) expect(queue.type, queue.name).toBe('classic');
    for (const queue of queues.filter((q) => !control.includes(q))) expect(queue.type, queue.name).toBe('quorum');
    for (const queue of delays) {
      const args = JSON.stringify(queue.arguments);
      expect(args, queue.name).toContain('at-least-once');
      expect(args, queue.name).toContain('reject-publish');
    }
  });
});

describe('a queue type that disagrees with the existing queues', () => {
  const system = new TestSystem(undefined, 'classic');
  beforeAll(() => system.start()); // the publisher declared the namespace's queues as classic queues
  afterAll(() => system.stop());

  it('stops a quorum processor at start-up with a message naming BATON_QUEUE_TYPE and exit code 2, instead of retrying forever', async () => {
    const failed = await system.startProcessor({ BATON_QUEUE_TYPE: 'quorum' }).then(
      () => undefined,
      (error: Error) => error,
    );
    expect(failed).toBeInstanceOf(Error);
    const processor = system.processors.at(-1)!;
    const exit = await processor.exited;
    expect(exit.code).toBe(2);
    const said = processor.lines.join('\n');
    expect(said).toMatch(/BATON_QUEUE_TYPE \(--queue-type\) is quorum, but queue "[a-z0-9]+\.jobs" already exists as a classic queue/);
    expect(said).not.toMatch(/\n\s+at /); // a message, not a stack trace
  });
});
