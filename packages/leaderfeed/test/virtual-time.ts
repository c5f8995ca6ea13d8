import type { VirtualClock } from '@webraft/core/testing';

/**
 * Lets pending promise work run: a fixed number of microtask turns, deeper than any chain of awaits in
 * the feed (a macrotask per step would make a long virtual run slow).
 */
export async function settle(): Promise<void> {
  for (let i = 0; i < 32; i++) await Promise.resolve();
}

/**
 * Runs `clock`'s events for `ms` virtual milliseconds, settling promise work after each one and calling
 * `check` after every step (an invariant that must hold at every instant).
 */
export async function runFor(clock: VirtualClock, ms: number, check: () => void = () => {}): Promise<void> {
  const until = clock.now() + ms;
  await settle();
  check();
  for (;;) {
    const next = clock.peekTime();
    if (next === undefined || next > until) break;
    clock.runNext();
    await settle();
    check();
  }
  clock.advanceTo(until);
  check();
}

/** Runs `clock` until `condition` holds, failing after `limitMs` of virtual time. */
export async function runUntil(
  clock: VirtualClock,
  condition: () => boolean,
  limitMs: number,
): Promise<void> {
  const until = clock.now() + limitMs;
  await settle();
  while (!condition()) {
    const next = clock.peekTime();
    if (next === undefined || next > until) throw new Error(`condition not met within ${limitMs} virtual ms`);
    clock.runNext();
    await settle();
  }
}
