/**
 * @module The processor's concurrency: BATON_CONCURRENCY slots for running attempts, counted here and
 * not by the broker's prefetch window. A channel that closes while its attempts still run, and the new
 * channel's fresh prefetch window, would otherwise admit more attempts than the setting allows.
 *
 * A slot is taken before the lock key's lease and given back when the attempt has ended (or the
 * delivery stopped before running). A delivery waiting for a slot keeps its message unacknowledged.
 */

/** What the slots need of a running attempt: a way to stop it (shutdown, an operator's cancel), and its job. */
export interface Stoppable {
  stop(reason: Error): void;
  readonly job?: { readonly jobId: string };
}

export interface Slot {
  /** The attempt now using this slot, so that `interruptAll` reaches it. */
  hold(attempt: Stoppable): void;
  /** Idempotent. */
  release(): void;
}

export class AttemptSlots {
  readonly capacity: number;
  readonly #holders = new Set<Stoppable>();
  readonly #waiting: Array<(slot: Slot | undefined) => void> = [];
  #taken = 0;
  #closed = false;

  readonly #onHold: ((attempt: Stoppable) => void) | undefined;

  /** `onHold`: told of each attempt as it takes its slot (a cancel broadcast just before must still reach it). */
  constructor(capacity: number, onHold?: (attempt: Stoppable) => void) {
    this.capacity = capacity;
    this.#onHold = onHold;
  }

  /** The attempts running now. */
  running(): Stoppable[] {
    return [...this.#holders];
  }

  /** Slots in use now (attempts running or about to). */
  get taken(): number {
    return this.#taken;
  }

  /** Resolves with a slot when one is free; with `undefined` once closed (the caller gives the message back). */
  take(): Promise<Slot | undefined> {
    if (this.#closed) return Promise.resolve(undefined);
    if (this.#taken < this.capacity) return Promise.resolve(this.#grant());
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** Stops every running attempt with `reason` (the shutdown grace period is over). */
  interruptAll(reason: Error): void {
    for (const holder of [...this.#holders]) holder.stop(reason);
  }

  /** No more slots: waiting deliveries get `undefined` at once. */
  close(): void {
    this.#closed = true;
    for (const resolve of this.#waiting.splice(0)) resolve(undefined);
  }

  #grant(): Slot {
    this.#taken++;
    let holder: Stoppable | undefined;
    let released = false;
    return {
      hold: (attempt) => {
        holder = attempt;
        this.#holders.add(attempt);
        this.#onHold?.(attempt);
      },
      release: () => {
        if (released) return;
        released = true;
        if (holder) this.#holders.delete(holder);
        this.#taken--;
        const next = this.#waiting.shift();
        if (next) next(this.#grant());
      },
    };
  }
}
