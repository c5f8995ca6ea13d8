/**
 * The frames on a cluster's channels (presence on the cluster's channel, messages on the addressee's
 * inbox: broadcastchannel-transport.ts). A frame is a small envelope object naming its cluster, sender
 * and (for a message) its addressee, with the Raft message inside as a JSON string:
 *
 * - a tab drops a message for another node (one posted on the cluster's channel by an earlier version,
 *   or by a script) after reading `t`, without decoding the payload (a string is copied flat by the
 *   structured clone; an object payload would be rebuilt, node by node, in every tab);
 * - the size check is exact and free (`maxMessageChars` counts the payload's JSON characters), and only
 *   JSON travels: a structured clone would carry a `Map`, a `Date` or `NaN` that JSON cannot;
 * - the bench measures both encodings (bench/browser/broadcastchannel.ts, "payload as object").
 */

/** Longest cluster name and node id accepted in a frame (the core's `DEFAULT_MESSAGE_LIMITS.maxIdLength`). */
export const MAX_ID_LENGTH = 256;

/** A Raft message for one node. */
export interface MessageFrame {
  c: string;
  k: 'msg';
  f: string;
  t: string;
  /** The payload's JSON. */
  p: string;
}

/**
 * Discovery: `hello` when a transport opens (everyone answers `here`), `here` every presence interval,
 * `bye` on close and on `pagehide`.
 */
export interface PresenceFrame {
  c: string;
  k: 'hello' | 'here' | 'bye';
  f: string;
}

export type Frame = MessageFrame | PresenceFrame;

/** What a received value is, after checking only what is needed to route it. */
export type Decoded =
  | { kind: 'frame'; frame: Frame }
  | { kind: 'other-cluster' }
  | { kind: 'not-for-me'; from: string }
  | { kind: 'undecodable'; reason: string };

const isId = (value: unknown): value is string =>
  typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_LENGTH;

/**
 * Routes a value received on the channel of `cluster` by `address`. Anything may arrive here (any
 * same-origin script can post on the channel), so every field read is checked; the payload of a message
 * for another node is not looked at.
 */
export function decodeFrame(data: unknown, cluster: string, address: string): Decoded {
  if (typeof data !== 'object' || data === null) return { kind: 'undecodable', reason: 'not an object' };
  const frame = data as Record<string, unknown>;
  const c = frame.c;
  if (c !== cluster) {
    return isId(c) ? { kind: 'other-cluster' } : { kind: 'undecodable', reason: 'no cluster name' };
  }
  const f = frame.f;
  if (!isId(f)) return { kind: 'undecodable', reason: 'no sender id' };
  const k = frame.k;
  if (k === 'msg') {
    const t = frame.t;
    if (t !== address)
      return isId(t) ? { kind: 'not-for-me', from: f } : { kind: 'undecodable', reason: 'no addressee' };
    if (typeof frame.p !== 'string') return { kind: 'undecodable', reason: 'the payload is not a string' };
    return { kind: 'frame', frame: frame as unknown as MessageFrame };
  }
  if (k === 'hello' || k === 'here' || k === 'bye')
    return { kind: 'frame', frame: frame as unknown as PresenceFrame };
  return { kind: 'undecodable', reason: 'unknown frame kind' };
}
