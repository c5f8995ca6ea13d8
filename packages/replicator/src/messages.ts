import { InvalidExchangeError } from './errors.js';
import { isCounter, isId, MAX_KEY_CHARS, MAX_PAGE_RECORDS } from './limits.js';

/**
 * The exchange protocol (pull replication, after the seed): a replica asks a peer for its log records
 * above the high-water mark it keeps for that peer; the peer answers with one page, oldest first, and
 * says whether more follow. Every message names its sender; the receiver checks that name against the
 * transport address it came from.
 */

/** One log record as it travels: the latest version of `key` at the sender, at its log position `seq`. */
export interface WireRecord {
  /** The sender's log sequence number of this record. */
  readonly seq: number;
  readonly key: string;
  readonly clock: number;
  readonly writer: string;
  readonly timestamp: number;
  /** `del` is a tombstone (no value). */
  readonly op: 'put' | 'del';
  /** The value of a `put` (any JSON value). */
  readonly value?: unknown;
}

/** "Send me your log records after `since`" (at most `limit`). */
export interface PullRequest {
  readonly type: 'replicator.pull';
  readonly from: string;
  /** Matches the answer to the request. */
  readonly id: number;
  /** The high-water mark the puller holds for the receiver: every record at or below it is applied. */
  readonly since: number;
  /** The receiver's incarnation the mark belongs to ('' when none is known). */
  readonly incarnation: string;
  readonly limit: number;
}

/** One page of records, in ascending `seq`, all above the request's `since`. */
export interface PullAnswer {
  readonly type: 'replicator.records';
  readonly from: string;
  readonly id: number;
  /** The sender's incarnation: a new one (the sender's store was wiped) voids the puller's mark. */
  readonly incarnation: string;
  readonly records: readonly WireRecord[];
  /** The highest sequence number this page covers (the puller's next mark). */
  readonly last: number;
  /** Whether records after `last` remain. */
  readonly more: boolean;
}

/** "I have new writes": the receiver pulls sooner (a hint; losing it only delays replication). */
export interface ChangedHint {
  readonly type: 'replicator.changed';
  readonly from: string;
}

export type ExchangeMessage = PullRequest | PullAnswer | ChangedHint;

const isObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

function recordProblem(r: unknown, previousSeq: number): string | null {
  if (!isObject(r)) return 'a record is not an object';
  if (!isCounter(r.seq) || r.seq <= previousSeq)
    return 'record seq is not an increasing counter above `since`';
  if (typeof r.key !== 'string' || r.key.length > MAX_KEY_CHARS)
    return 'record key is not a string of allowed size';
  if (!isCounter(r.clock)) return 'record clock is not an integer in [0, 2^52]';
  if (!isId(r.writer)) return 'record writer is not an id';
  if (typeof r.timestamp !== 'number' || !Number.isFinite(r.timestamp))
    return 'record timestamp is not finite';
  if (r.op === 'put') {
    if (!('value' in r) || r.value === undefined) return 'a put record has no value';
  } else if (r.op === 'del') {
    if ('value' in r) return 'a del record carries a value';
  } else return 'record op is neither put nor del';
  return null;
}

function problem(m: Record<string, unknown>): string | null {
  if (!isId(m.from)) return '`from` is not an id';
  switch (m.type) {
    case 'replicator.changed':
      return null;
    case 'replicator.pull':
      if (!isCounter(m.id)) return '`id` is not a counter';
      if (!isCounter(m.since)) return '`since` is not an integer in [0, 2^52]';
      if (typeof m.incarnation !== 'string' || m.incarnation.length > 256)
        return '`incarnation` is not a string';
      if (!Number.isInteger(m.limit) || (m.limit as number) < 1 || (m.limit as number) > MAX_PAGE_RECORDS)
        return '`limit` is out of range';
      return null;
    case 'replicator.records': {
      if (!isCounter(m.id)) return '`id` is not a counter';
      if (!isId(m.incarnation)) return '`incarnation` is not an id';
      if (!isCounter(m.last)) return '`last` is not an integer in [0, 2^52]';
      if (typeof m.more !== 'boolean') return '`more` is not a boolean';
      if (!Array.isArray(m.records) || m.records.length > MAX_PAGE_RECORDS)
        return '`records` is not an array of allowed size';
      let previous = -1;
      for (const r of m.records) {
        const p = recordProblem(r, previous);
        if (p !== null) return p;
        previous = (r as WireRecord).seq;
      }
      if (previous > m.last) return 'a record lies above `last`';
      return null;
    }
    default:
      return 'unknown message type';
  }
}

/** Whether `payload` is addressed to the replicator at all (other traffic on a shared transport is ignored). */
export const isExchangeMessage = (payload: unknown): boolean =>
  isObject(payload) && typeof payload.type === 'string' && payload.type.startsWith('replicator.');

/**
 * Checks a message received from transport address `peer` by the replica `self`. Throws
 * `InvalidExchangeError` (nothing is changed) for a wrong shape, a hostile number, or a sender name that
 * is not `peer` (a peer claiming another's id) or is our own.
 */
export function validateExchange(peer: string, self: string, payload: unknown): ExchangeMessage {
  if (!isObject(payload)) throw new InvalidExchangeError(peer, 'not an object');
  const p = problem(payload);
  if (p !== null) throw new InvalidExchangeError(peer, p);
  if (payload.from !== peer || payload.from === self)
    throw new InvalidExchangeError(peer, `claims to be ${JSON.stringify(payload.from)}`, 'PEER_ID_MISMATCH');
  return payload as unknown as ExchangeMessage;
}
