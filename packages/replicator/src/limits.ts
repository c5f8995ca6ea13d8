/**
 * The largest clock and log sequence number a replica writes or accepts: 2^52, well below
 * `Number.MAX_SAFE_INTEGER` (2^53 - 1), so that `clock + 1` is always exact and a hostile peer cannot
 * push a key's clock to where increments stop changing it (which would freeze the key on every replica).
 */
export const MAX_CLOCK = 2 ** 52;

/** The longest writer id, incarnation or peer id accepted, in characters. */
export const MAX_ID_CHARS = 256;

/** The longest key accepted from a peer, in characters. */
export const MAX_KEY_CHARS = 65_536;

/** The most records one pull answer may carry. */
export const MAX_PAGE_RECORDS = 10_000;

/** Whether `n` is an integer in [0, MAX_CLOCK]. */
export const isCounter = (n: unknown): n is number =>
  Number.isInteger(n) && (n as number) >= 0 && (n as number) <= MAX_CLOCK;

/** Whether `s` is a non-empty string of at most MAX_ID_CHARS characters. */
export const isId = (s: unknown): s is string =>
  typeof s === 'string' && s.length > 0 && s.length <= MAX_ID_CHARS;
