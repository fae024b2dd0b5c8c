/**
 * @module `GET /api/processors` from heartbeat rows: each processor's state as seen now (`live`, `lost`
 * after two missed heartbeats, `stopped` after a clean shutdown), live ones first. Pure, plus a small cache.
 */
import { HEARTBEAT_SECONDS, SEEN_WINDOW_MS, type ProcessorHeartbeat, type ProcessorInfo, type ProcessorState } from '../contracts/fleet.js';

const ORDER: Record<ProcessorState, number> = { live: 0, lost: 1, stopped: 2 };

export function processorState(beat: ProcessorHeartbeat, nowMs: number): ProcessorState {
  if (beat.state === 'stopped') return 'stopped';
  // Two missed heartbeats, plus half a period for a slow write.
  const periodMs = (beat.heartbeatSeconds > 0 ? beat.heartbeatSeconds : HEARTBEAT_SECONDS) * 1000;
  return nowMs - Date.parse(beat.heartbeatAt) > 2.5 * periodMs ? 'lost' : 'live';
}

export function processorInfos(beats: readonly ProcessorHeartbeat[], nowMs: number): ProcessorInfo[] {
  return beats
    .filter((beat) => nowMs - Date.parse(beat.heartbeatAt) <= SEEN_WINDOW_MS)
    .map((beat) => ({ ...beat, state: processorState(beat, nowMs) }))
    .sort((a, b) => ORDER[a.state] - ORDER[b.state] || a.processorId.localeCompare(b.processorId));
}

export interface HeartbeatReader {
  heartbeats(sinceMs: number, nowMs?: number): Promise<ProcessorHeartbeat[]>;
}

/** Reads the fleet at most once per `cacheMs`, however many pages poll it. */
export class FleetView {
  readonly #reader: HeartbeatReader;
  readonly #cacheMs: number;
  #cached: { atMs: number; beats: Promise<ProcessorHeartbeat[]> } | undefined;

  constructor(reader: HeartbeatReader, options: { cacheMs?: number } = {}) {
    this.#reader = reader;
    this.#cacheMs = options.cacheMs ?? 2000;
  }

  async processors(nowMs: number = Date.now()): Promise<ProcessorInfo[]> {
    if (!this.#cached || nowMs - this.#cached.atMs >= this.#cacheMs) {
      const beats = this.#reader.heartbeats(nowMs - SEEN_WINDOW_MS, nowMs);
      this.#cached = { atMs: nowMs, beats };
      beats.catch(() => (this.#cached = undefined));
    }
    return processorInfos(await this.#cached.beats, Date.now());
  }
}
