/** Reconnection timing (named so that tests and docs can refer to them). */

/** First retry after a failure waits about this long (ms). */
export const BACKOFF_BASE_MS = 250;
/** Retries never wait longer than this (ms). */
export const BACKOFF_MAX_MS = 5000;
/**
 * Each wait is drawn from [(1 - BACKOFF_JITTER) x, x] where x = min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2^attempt),
 * so that clients cut off together (a relay restart) do not all come back in the same millisecond.
 */
export const BACKOFF_JITTER = 0.5;
/** A socket that is not open and welcomed within this long is abandoned (ms). */
export const CONNECT_TIMEOUT_MS = 10_000;
/** While open, a `ping` frame goes out this often (ms)... */
export const HEARTBEAT_INTERVAL_MS = 5000;
/** ...and a connection that received nothing for this long is presumed dead and replaced (ms). */
export const DEAD_AFTER_MS = 2 * HEARTBEAT_INTERVAL_MS + 2000;

/** The wait before reconnect attempt `attempt` (0: the first retry). `random` returns [0, 1). */
export function backoffDelay(attempt: number, random: () => number): number {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling * (1 - BACKOFF_JITTER * random()));
}
