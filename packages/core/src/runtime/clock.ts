/**
 * Time and randomness, injected so the simulator can run a node on a virtual clock with a seeded
 * random source (docs/architecture.md, Time and randomness). The protocol never reads the time itself.
 */
import { macrotask } from './macrotask.js';

export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
  setTimer(delayMs: number, callback: () => void): unknown;
  clearTimer(handle: unknown): void;
  /** Runs `callback` on a later turn of the event loop, after pending promise work (no 1 ms clamp). */
  defer(callback: () => void): void;
}

/** Resolves after `ms` of `clock`'s time (virtual time on the simulator's clock). */
export function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise<void>((resolve) => clock.setTimer(ms, resolve));
}

/** A source of uniform numbers in [0, 1). */
export type RandomSource = () => number;

declare const performance: { now(): number } | undefined;
declare function setTimeout(callback: () => void, ms: number): unknown;
declare function clearTimeout(handle: unknown): void;

/**
 * A later event-loop turn (no 1 ms clamp). Every callback deferred during one turn runs in a single
 * scheduled task, in order: nodes in one process defer work each turn, and one task is cheaper than many.
 */
function nextTurn(): (callback: () => void) => void {
  let queue: (() => void)[] = [];
  const runAll = () => {
    const run = queue;
    queue = [];
    let failure: { error: unknown } | null = null;
    for (const callback of run) {
      try {
        callback();
      } catch (error) {
        // The others still run; the first error surfaces afterwards, as an uncaught one would.
        failure ??= { error };
      }
    }
    if (failure) throw failure.error;
  };
  return (callback) => {
    queue.push(callback);
    if (queue.length === 1) macrotask(runAll);
  };
}

const MAX_TIMER_DELAY = 2 ** 31 - 1;

/** The real clock: `performance.now()` where available (monotonic), else `Date.now()`. */
export const systemClock: Clock = {
  now: typeof performance !== 'undefined' ? () => performance.now() : () => Date.now(),
  // setTimeout takes a longer delay than 2^31 - 1 ms for 1 ms: such a timer fires early instead, and
  // every user of the clock re-checks its deadline when a timer fires.
  setTimer: (delayMs, callback) => setTimeout(callback, Math.min(MAX_TIMER_DELAY, Math.max(0, delayMs))),
  clearTimer: (handle) => clearTimeout(handle),
  defer: nextTurn(),
};

/**
 * A small, fast seeded generator (mulberry32). Used for election jitter in the simulator and, seeded
 * from `Math.random`, in production: randomness only needs to break ties, not to be secret.
 */
export function seededRandom(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
