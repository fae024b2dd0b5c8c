/**
 * Baton on a real three-node RabbitMQ cluster (`npm run test:cluster`; a few minutes, so not part of `npm test`):
 * processors with BATON_QUEUE_TYPE=quorum and the three nodes' URLs in BATON_AMQP_URL, a steady load, and the
 * node leading `<ns>.jobs` killed (SIGKILL of its Erlang VM: a node crash) in the middle of it. Checked from the audit trail and the queues only, with the
 * chaos runs' invariants: nothing lost, exactly one Completed per job, no two attempts of a lock key overlapping.
 */
import { expect, it } from 'vitest';
import { ChaosCluster, type Fault } from '../chaos/cluster.js';
import { planJobs, publishSteadily } from '../chaos/load.js';
import { sleep, waitUntil } from '../chaos/processes.js';
import { settle } from '../chaos/settle.js';
import { RabbitCluster } from './rabbitmq-cluster.js';

const JOBS = 360;
const PER_SECOND = 12;

it('loses no job, completes each once and never overlaps a lock key when the node leading the jobs queue crashes under load', async () => {
  const rabbit = new RabbitCluster();
  let cluster: ChaosCluster | undefined;
  try {
    await rabbit.start();
    cluster = new ChaosCluster({
      namespacePrefix: 'rq',
      amqpUrl: rabbit.urls,
      queueType: 'quorum',
      processorEnv: { BATON_CONCURRENCY: '3', BATON_LEASE_SECONDS: '15', BATON_RENEW_SECONDS: '5' },
    });
    await cluster.start();
    for (let i = 0; i < 3; i++) await cluster.startProcessor();
    const jobsQueue = cluster.names.jobsQueue;
    const before = await rabbit.queueLeader(jobsQueue);
    expect(before?.online).toHaveLength(3); // replicated on every node

    const planned = planJobs(cluster.namespace, {
      count: JOBS, steps: 2, stepMs: 150, sharedFraction: 0.1, sharedLockKeys: 4, flakyFraction: 0.05, seed: 7,
    });
    const publishing = publishSteadily(cluster, planned, PER_SECOND);
    await sleep((JOBS / PER_SECOND) * 1000 * 0.3); // about a third of the load published and in flight

    const fault: Fault = { kind: 'node-stop', target: before!.leader, from: Date.now(), to: 0 };
    cluster.faults.push(fault);
    await rabbit.killNode(before!.leader); // a crash: no goodbye to its clients or its peers
    fault.to = Date.now(); // the node is gone; the fault's effects (reconnections, a new leader) follow
    const after = await waitUntil(async () => {
      const now = await rabbit.queueLeader(jobsQueue).catch(() => undefined);
      return now && now.leader !== before!.leader ? now : undefined;
    }, 'a new leader of the jobs queue', 120_000, 500);
    const newLeaderAt = Date.now();

    await publishing.done;
    const settled = await settle(cluster, planned, { finalTimeoutMs: 180_000 });
    const { figures } = settled;
    const completedAt = [...(await cluster.histories(planned.map((p) => p.job.jobId))).values()]
      .flatMap((history) => history.filter((e) => e.status === 'Completed').map((e) => Date.parse(e.timestamp)));
    process.stdout.write(
      `cluster failover: ${before!.leader} (leader of ${jobsQueue}) killed, ` +
        `${after.leader} seen leading ${((newLeaderAt - fault.to) / 1000).toFixed(1)} s later; ${figures.confirmed} confirmed, ` +
        `${figures.completed} completed (${completedAt.filter((t) => t < fault.from).length} before the stop, ${completedAt.filter((t) => t > fault.to).length} after); ` +
        `worst wait caused by the fault ${(figures.worstFaultWaitMs / 1000).toFixed(1)} s; Deferred ${figures.counts.deferred}, Duplicate ${figures.counts.duplicate}; ` +
        `violations: ${settled.violations.join('; ') || 'none'}; notes: ${settled.notes.join('; ') || 'none'}\n`,
    );
    expect(after.online).not.toContain(before!.leader);
    expect(settled.violations).toEqual([]);
    expect(figures.unconfirmed).toBe(0);
    expect(figures.confirmed).toBe(JOBS);
    expect(figures.lost).toEqual([]);
    expect(figures.duplicateCompletions).toEqual([]);
    expect(figures.overlaps).toEqual([]);
    expect(figures.completed).toBe(JOBS);
    // Jobs really ran on both sides of the fault.
    expect(completedAt.filter((t) => t < fault.from).length).toBeGreaterThan(0);
    expect(completedAt.filter((t) => t > fault.to).length).toBeGreaterThan(0);
  } finally {
    await cluster?.dispose().catch(() => undefined);
    await rabbit.dispose();
  }
}, 900_000);
