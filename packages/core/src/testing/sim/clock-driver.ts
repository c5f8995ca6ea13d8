import type { VirtualClock } from './virtual-clock.js';

/**
 * Drives a virtual clock event by event: what the simulator and smaller test harnesses share. A
 * subclass says what one step is (run the next event, let promise work settle, check invariants)
 * and how a wait that ran out of time fails.
 */
export abstract class ClockDriver {
  abstract readonly clock: VirtualClock;

  /** Runs one event. Returns false when nothing is scheduled. */
  abstract step(): Promise<boolean>;

  /** A `runUntil` whose condition did not hold in time. */
  protected abstract timedOut(message: string): never;

  /** Runs every event up to `ms` virtual milliseconds from now. */
  async runFor(ms: number): Promise<void> {
    const until = this.clock.now() + ms;
    for (;;) {
      const next = this.clock.peekTime();
      if (next === undefined || next > until) break;
      await this.step();
    }
    this.clock.advanceTo(until);
  }

  /** Runs until `done()` holds; fails after `maxMs` virtual milliseconds. */
  async runUntil(done: () => boolean, maxMs: number, what = 'the condition'): Promise<void> {
    const until = this.clock.now() + maxMs;
    while (!done()) {
      const next = this.clock.peekTime();
      if (next === undefined || next > until)
        this.timedOut(`${what} did not happen within ${maxMs} virtual ms`);
      await this.step();
    }
  }
}
