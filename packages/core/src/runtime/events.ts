import type { RaftError } from '../errors.js';
import type { RaftRole, Snapshot } from '../protocol/types.js';

/** The seed's apply entry: what the `apply` event hands to listeners. */
export interface AppliedEntry {
  command: unknown;
  term: number;
  index: number;
}

/**
 * Events, with the seed's names (listen with `raft.listen(type, handler)`):
 * - `join` / `leave` (address): a configuration entry added or removed a member, on every member.
 * - `leader`, `candidate`, `follower`, `state changed` (now, before): role changes.
 * - `leader changed` (leader, term): the leader this node knows changed (null: none known now), or
 *   the term did; e.g. to watch the leader's liveness and call `leaderGone` when it ends.
 * - `heartbeat timeout`: no leader was heard from in time; `start election` follows.
 * - `apply` (entry, index, cb): a committed command; call `cb()` once it is durably applied, `cb(err)` to retry.
 * - `updated` (index): a command was applied and every `apply` listener called back.
 * - `refresh` (cb, snapshot): the local state is too old; reload it (the snapshot is given), then call `cb()`.
 * - `removed`: this node applied a configuration without itself (it was removed). Its state is then
 *   `'removed'` and its requests are refused with code `REMOVED`; it stays so until stopped, unless a
 *   later `join` of its address adds it back.
 * - `error` (error): something went wrong that the node survived (bad message, storage failure).
 */
export interface RaftEvents {
  join: (address: string) => void;
  leave: (address: string) => void;
  leader: () => void;
  candidate: () => void;
  follower: () => void;
  'state changed': (state: RaftRole, previous: RaftRole) => void;
  'leader changed': (leader: string | null, term: number) => void;
  'heartbeat timeout': () => void;
  'start election': () => void;
  apply: (entry: AppliedEntry, index: number, cb: (err?: unknown) => void) => void;
  updated: (index: number) => void;
  refresh: (cb: (term?: number, index?: number) => void, snapshot: Snapshot) => void;
  removed: () => void;
  error: (error: RaftError) => void;
}

export type RaftEventName = keyof RaftEvents;
