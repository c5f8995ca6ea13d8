/**
 * Time and randomness, injected so the simulator can run a node on a virtual clock with a seeded
 * random source (DESIGN.md section 2). The protocol never reads the time itself.
 */
export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
  setTimer(delayMs: number, callback: () => void): unknown;
  clearTimer(handle: unknown): void;
}

/** A source of uniform numbers in [0, 1). */
export type RandomSource = () => number;

declare const performance: { now(): number } | undefined;
declare function setTimeout(callback: () => void, ms: number): unknown;
declare function clearTimeout(handle: unknown): void;

/** The real clock: `performance.now()` where available (monotonic), else `Date.now()`. */
export const systemClock: Clock = {
  now: typeof performance !== 'undefined' ? () => performance.now() : () => Date.now(),
  setTimer: (delayMs, callback) => setTimeout(callback, Math.max(0, delayMs)),
  clearTimer: (handle) => clearTimeout(handle),
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
