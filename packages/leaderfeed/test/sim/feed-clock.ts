import type { Clock } from '@webraft/core';
import type { VirtualClock } from '@webraft/core/testing';

/**
 * One feed's clock in the simulator: the shared virtual (true) time, running `rate` times as fast,
 * and freezable as a frozen tab is: while frozen, none of its timers run (they run on thaw, late),
 * but its monotonic time keeps going.
 */
export class FeedClock implements Clock {
  private frozenUntil = 0;

  constructor(
    private readonly base: VirtualClock,
    private readonly rate: number,
  ) {}

  now(): number {
    return this.base.now() * this.rate;
  }

  setTimer(delayMs: number, callback: () => void): unknown {
    const handle = { inner: undefined as unknown, cancelled: false };
    const due = this.now() + Math.max(0, delayMs);
    const fire = () => {
      if (handle.cancelled) return;
      if (this.base.now() < this.frozenUntil) {
        handle.inner = this.base.schedule(this.frozenUntil, fire);
        return;
      }
      // Scaling by the rate rounds: never fire before `due` on this clock (the 1 µs floor keeps a
      // tiny remainder from being absorbed by the base time's precision, which would loop forever).
      if (this.now() < due) {
        handle.inner = this.base.setTimer(Math.max(1e-6, (due - this.now()) / this.rate), fire);
        return;
      }
      callback();
    };
    handle.inner = this.base.setTimer(Math.max(0, delayMs) / this.rate, fire);
    return handle;
  }

  clearTimer(handle: unknown): void {
    const h = handle as { inner: unknown; cancelled: boolean } | undefined;
    if (!h) return;
    h.cancelled = true;
    this.base.clearTimer(h.inner);
  }

  defer(callback: () => void): void {
    this.setTimer(0, callback);
  }

  /** Freezes the feed for `ms` of true time from now. */
  freeze(ms: number): void {
    this.frozenUntil = Math.max(this.frozenUntil, this.base.now() + ms);
  }
}
