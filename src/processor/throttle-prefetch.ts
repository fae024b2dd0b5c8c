/**
 * @module The prefetch window, widened while deliveries are mostly throttled. Parking a throttled job
 * costs one confirmed publish and an ack, so the rate at which a tenant's backlog is moved aside (and
 * other tenants' jobs behind it reached) is the window divided by a confirm's latency: with a window of
 * BATON_CONCURRENCY that can be a few dozen a second. While at least half of the recent deliveries were
 * parked, the window grows by HEADROOM; once they are not, it goes back to BATON_CONCURRENCY, so that a
 * busy processor does not hold runnable jobs that an idle one could run. Running attempts stay bounded
 * by AttemptSlots either way.
 */

export const HEADROOM = 64;
const SAMPLE = 50;

export class ThrottlePrefetch {
  readonly #base: number;
  readonly #apply: (prefetch: number) => Promise<void>;
  #recent: boolean[] = [];
  #widened = false;

  /** `apply` sets the channel's prefetch (basic.qos, global): it may be called at any time. */
  constructor(base: number, apply: (prefetch: number) => Promise<void>) {
    this.#base = base;
    this.#apply = apply;
  }

  get current(): number {
    return this.#widened ? this.#base + HEADROOM : this.#base;
  }

  /** A new channel starts narrow. */
  reset(): void {
    this.#recent = [];
    this.#widened = false;
  }

  /** Told each delivery's outcome. */
  observe(throttled: boolean): void {
    this.#recent.push(throttled);
    if (this.#recent.length > SAMPLE) this.#recent.shift();
    if (this.#recent.length < 10) return;
    const share = this.#recent.filter(Boolean).length / this.#recent.length;
    const widen = this.#widened ? share >= 0.25 : share >= 0.5;
    if (widen === this.#widened) return;
    this.#widened = widen;
    void this.#apply(this.current).catch(() => undefined);
  }
}
