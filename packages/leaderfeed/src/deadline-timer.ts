import type { Clock } from '@webraft/core';

/**
 * A timer for a deadline on the clock, not for a delay: when a callback fires early (a clamped delay)
 * it re-arms for the rest, and one that fires late (a throttled tab) runs at once, its caller reading
 * the real time from the clock. At most one deadline is armed at a time.
 */
export class DeadlineTimer {
  private handle: unknown;
  private deadline: number | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly onDeadline: () => void,
  ) {}

  /** Arms (or re-arms) the timer for `delayMs` from now. */
  arm(delayMs: number): void {
    this.armAt(this.clock.now() + delayMs);
  }

  armAt(deadline: number): void {
    this.clear();
    this.deadline = deadline;
    this.schedule();
  }

  clear(): void {
    if (this.handle !== undefined) this.clock.clearTimer(this.handle);
    this.handle = undefined;
    this.deadline = undefined;
  }

  private schedule(): void {
    const deadline = this.deadline;
    if (deadline === undefined) return;
    this.handle = this.clock.setTimer(deadline - this.clock.now(), () => {
      this.handle = undefined;
      if (this.deadline !== deadline) return;
      if (this.clock.now() < deadline) {
        this.schedule();
        return;
      }
      this.deadline = undefined;
      this.onDeadline();
    });
  }
}
