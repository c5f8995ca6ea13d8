/**
 * What a node address (a node id) may be: the one rule, used by the validator of incoming messages
 * (every id in a configuration, the sender of every message), by `RaftInterface`'s constructor
 * (`address`, `peers`) and by `join`/`leave`, so that no node can accept an id that another refuses.
 *
 * A valid address is a string of 1 to `maxIdLength` characters (DEFAULT_MESSAGE_LIMITS: 256) with no
 * control character (U+0000-U+001F, U+007F-U+009F) and no white space at either end. Why:
 * - addresses are compared exactly, character by character: `'a '` and `'a'` would be two nodes that
 *   print alike, and a value read from a form, a URL or a config file often gains or loses a space;
 * - control characters cannot be typed or shown, and break logs and line-based transports;
 * - the length bound is what every node accepts in a message, so a longer id could never replicate.
 * Anything else is allowed (URLs, UUIDs, `tab:3`, non-Latin text): the transport decides what an
 * address means.
 */

/** Why `value` is not a valid address (a phrase such as "is empty"), or null when it is one. */
export function addressProblem(value: unknown, maxLength: number): string | null {
  if (typeof value !== 'string') return 'is not a string';
  const n = value.length;
  if (n === 0) return 'is empty';
  if (n > maxLength) return `is longer than ${maxLength} characters`;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return `holds a control character (U+${hex4(c)})`;
  }
  // trim() hands back the string itself when there is nothing to trim: no allocation on the happy path.
  if (value.trim().length !== n) return 'begins or ends with white space';
  return null;
}

function hex4(c: number): string {
  return c.toString(16).toUpperCase().padStart(4, '0');
}
