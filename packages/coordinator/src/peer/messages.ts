/**
 * The peer protocol over a webraft `Transport`: a `put` asks a peer to store an event, the peer answers
 * with an `ack` (ok, or the code and message of its storage's failure). Plain JSON, one message each.
 */
export interface PutMessage {
  t: 'alldata.put';
  /** The sender's request number, echoed by the ack. */
  id: number;
  key: string;
  event: unknown;
}

export interface AckMessage {
  t: 'alldata.ack';
  id: number;
  ok: boolean;
  /** When not ok: the remote error's code (or name) and message. */
  code?: string;
  message?: string;
}

export type PeerMessage = PutMessage | AckMessage;

/** Longest key a peer accepts, in characters. */
export const MAX_KEY_CHARS = 1024;

/** The message, or why it is not one (a hostile or garbled frame must not reach the storage). */
export function checkPeerMessage(payload: unknown): PeerMessage | string {
  if (typeof payload !== 'object' || payload === null) return 'not an object';
  const m = payload as { [field: string]: unknown };
  if (typeof m.id !== 'number' || !Number.isSafeInteger(m.id) || m.id < 0)
    return 'id is not a request number';
  if (m.t === 'alldata.put') {
    if (typeof m.key !== 'string' || m.key === '' || m.key.length > MAX_KEY_CHARS)
      return `key is not a string of 1 to ${MAX_KEY_CHARS} characters`;
    if (!('event' in m) || m.event === undefined) return 'event is missing';
    return m as unknown as PutMessage;
  }
  if (m.t === 'alldata.ack') {
    if (typeof m.ok !== 'boolean') return 'ok is not a boolean';
    if (m.code !== undefined && typeof m.code !== 'string') return 'code is not a string';
    if (m.message !== undefined && typeof m.message !== 'string') return 'message is not a string';
    return m as unknown as AckMessage;
  }
  return `unknown type ${JSON.stringify(String(m.t)).slice(0, 40)}`;
}
