/**
 * @module `<ns>.control`: the fanout exchange that carries operators' cancels to every processor, and
 * its one message. A processor that misses one still stops the job (src/processor/cancel-watcher.ts).
 */
import type { Channel } from 'amqplib';
import type { Names } from '../contracts/names.js';

export interface CancelBroadcast {
  readonly jobId: string;
  readonly actor: string;
}

export function cancelMessage(broadcast: CancelBroadcast): Buffer {
  return Buffer.from(JSON.stringify({ kind: 'cancel', ...broadcast }));
}

export function parseCancelMessage(content: Buffer): CancelBroadcast | undefined {
  try {
    const parsed = JSON.parse(content.toString('utf8')) as Record<string, unknown>;
    if (parsed.kind === 'cancel' && typeof parsed.jobId === 'string' && typeof parsed.actor === 'string') return { jobId: parsed.jobId, actor: parsed.actor };
  } catch {
    // not ours: ignored
  }
  return undefined;
}

/** Declares `<ns>.control` (durable fanout: publishers and processors both declare it, in any order). */
export async function assertControlExchange(channel: Pick<Channel, 'assertExchange'>, names: Names): Promise<void> {
  await channel.assertExchange(names.controlExchange, 'fanout', { durable: true });
}
