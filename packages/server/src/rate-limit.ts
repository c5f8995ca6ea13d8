/**
 * A token bucket: `rate` tokens per second, at most `burst` saved up. A connection has one for
 * messages and one for bytes; a frame that finds too few tokens is dropped (not queued: Raft resends).
 */
export class TokenBucket {
  #tokens: number;
  #last: number;
  constructor(
    readonly rate: number,
    readonly burst: number,
    readonly now: () => number = () => performance.now(),
  ) {
    this.#tokens = burst;
    this.#last = now();
  }

  /** Takes `cost` tokens if there are that many; otherwise takes none and returns false. */
  take(cost: number): boolean {
    const t = this.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((t - this.#last) / 1000) * this.rate);
    this.#last = t;
    if (this.#tokens < cost) return false;
    this.#tokens -= cost;
    return true;
  }
}
