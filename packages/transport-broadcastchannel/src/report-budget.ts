/**
 * How many errors a transport reports per window. Under a flood of garbage every frame would be an
 * `error` event; past the budget they are only counted, so a hostile script cannot make the node do
 * more than count. The conformance suite needs a burst of 16.
 */

/** Errors reported per window at most. */
export const REPORT_BURST = 32;
/** The window (ms). */
export const REPORT_WINDOW_MS = 1000;

export class ReportBudget {
  #windowStart = Number.NEGATIVE_INFINITY;
  #used = 0;

  constructor(private readonly now: () => number) {}

  /** Whether one more error may be reported now. */
  take(): boolean {
    const now = this.now();
    if (now - this.#windowStart >= REPORT_WINDOW_MS) {
      this.#windowStart = now;
      this.#used = 0;
    }
    if (this.#used >= REPORT_BURST) return false;
    this.#used++;
    return true;
  }
}
