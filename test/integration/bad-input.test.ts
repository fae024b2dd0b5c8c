/**
 * Bad input published raw to `<ns>.jobs`, interleaved with ordinary jobs, on two real processors: every invalid
 * message ends in `<ns>.jobs.dead` once, byte for byte, with its reason in `x-baton-reason`; a usable jobId gets
 * a Rejected event; odd but legal jobs (markup in the name, unicode, odd lock keys, deep parameters, forged
 * headers) complete once with their text stored as text; the processors keep serving and nothing else is lost.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { badInputCorpus } from '../chaos/bad-input-corpus.js';
import { ChaosCluster } from '../chaos/cluster.js';
import { planJobs } from '../chaos/load.js';
import { waitUntil } from '../chaos/processes.js';
import { waitForFinal } from '../chaos/settle.js';

const cluster = new ChaosCluster({ namespacePrefix: 'bi', processorEnv: { BATON_CONCURRENCY: '2', BATON_LEASE_SECONDS: '15' } });
const corpus = badInputCorpus(cluster.namespace);
const digest = (body: Buffer) => createHash('sha256').update(body).digest('hex');

beforeAll(async () => {
  await cluster.start();
  await cluster.startProcessor();
  await cluster.startProcessor();
});

afterAll(() => cluster.dispose());

it('has a corpus of at least 30 invalid messages', () => {
  expect(corpus.filter((entry) => entry.expect === 'dead').length).toBeGreaterThanOrEqual(30);
  expect(new Set(corpus.map((entry) => entry.name)).size).toBe(corpus.length);
});

it('dead-letters each invalid message with its reason, runs the odd legal ones, and keeps serving', async () => {
  const ordinary = planJobs(cluster.namespace, { count: 20, steps: 1, stepMs: 20 }).map((entry) => entry.job);
  // Ordinary jobs before, between and after the bad ones: none of them may be lost or held up for good.
  let next = 0;
  for (const entry of corpus) {
    if (next < ordinary.length) await cluster.publisher.publish(ordinary[next++]!);
    await cluster.publishRaw([{ body: entry.body, ...(entry.headers ? { headers: entry.headers } : {}) }]);
  }
  while (next < ordinary.length) await cluster.publisher.publish(ordinary[next++]!);

  const invalid = corpus.filter((entry) => entry.expect === 'dead');
  const dead: Awaited<ReturnType<typeof cluster.drainDead>> = [];
  await waitUntil(async () => {
    dead.push(...(await cluster.drainDead()));
    return dead.length >= invalid.length;
  }, `${invalid.length} dead letters`, 60_000, 500);

  const byDigest = new Map(dead.map((message) => [digest(message.body), message]));
  for (const entry of invalid) {
    const found = byDigest.get(digest(entry.body));
    expect(found, `${entry.name}: not in the dead-letter queue`).toBeDefined();
    expect(String(found!.headers['x-baton-reason']), entry.name).toMatch(entry.reason!);
  }
  expect(dead).toHaveLength(invalid.length);

  // A usable jobId gets exactly one Rejected event and nothing else.
  for (const entry of invalid.filter((e) => e.jobId)) {
    expect((await cluster.history(entry.jobId!)).map((e) => e.status), entry.name).toEqual(['Rejected']);
  }

  // The odd but legal jobs complete once, and what was published is what is stored: text, not markup.
  const legal = corpus.filter((entry) => entry.expect === 'complete');
  expect(await waitForFinal(cluster, legal.map((entry) => entry.jobId!), 60_000)).toEqual([]);
  for (const entry of legal) {
    const history = await cluster.history(entry.jobId!);
    expect(history.filter((e) => e.status === 'Completed'), entry.name).toHaveLength(1);
    const published = JSON.parse(entry.body.toString('utf8').replace(/^\uFEFF/, '')) as { jobName: string };
    expect(history.every((e) => e.jobName === published.jobName), entry.name).toBe(true);
  }

  // Nothing else lost: every ordinary job completed once; the processors are still up; the queues are empty.
  expect(await waitForFinal(cluster, ordinary.map((job) => job.jobId), 60_000)).toEqual([]);
  for (const job of ordinary) {
    expect((await cluster.history(job.jobId)).filter((e) => e.status === 'Completed')).toHaveLength(1);
  }
  expect(cluster.crashed()).toEqual([]);
  expect(cluster.running).toHaveLength(2);
  expect((await cluster.queueDepths()).jobs).toBe(0);
}, 110_000);
