import { StorageError } from '../errors.js';
import type { Entry, HardState, Snapshot } from '../protocol/types.js';
import { entryProblem, hardStateProblem, snapshotProblem } from './record-checks.js';
import type { StoredLog } from './stored-log.js';
import type { PersistBatch } from './types.js';

/**
 * What one batch does to a store, as writes an adapter performs in one atomic step (one IndexedDB
 * transaction, one head switch). Indexes refer to entries stored before the batch; `append` never
 * overlaps what survives, so an adapter may delete first and write after, in any order within each.
 */
export interface PersistPlan {
  /** The snapshot to store (replacing the stored one), or null when it does not change. */
  snapshot: Snapshot | null;
  /** Delete stored entries with index >= this (a conflicting suffix, or all of them for a snapshot). */
  deleteFrom: number | null;
  /** Delete stored entries with index <= this (the snapshot covers them). 0 or the old snapshot index: none. */
  deleteThrough: number;
  /** Entries to write. Consecutive, right after what survives the deletes. */
  append: readonly Entry[];
  /** The hard state to store, or null when it does not change. */
  hardState: HardState | null;
  /** The first and last index of the log once the batch is written. */
  firstIndex: number;
  lastIndex: number;
}

const NO_ENTRIES: readonly Entry[] = Object.freeze([]);

/**
 * Plans `batch` against what `stored` says is in the store, in the order `PersistBatch` documents
 * (snapshot, entries, compaction, hard state). It reads only: an impossible batch throws a
 * `StorageError` with code `INVALID_BATCH`, and the adapter writes nothing. Once the plan's writes are
 * durable, the adapter calls `stored.apply(plan)`.
 *
 * Besides the shape of the log (consecutive indexes, no gap, nothing below the snapshot, compaction
 * within the log, terms never decreasing along it) it guards Raft's durable invariants, so a protocol
 * bug fails at the write that would break them instead of later:
 * - the term never decreases and a vote cast in a term never changes (election safety, paper 5.2);
 * - the commit index never lies beyond the log: a batch cannot truncate committed entries (5.3, 5.4);
 * - a snapshot or compaction never goes back behind the stored snapshot.
 */
export function planPersist(stored: StoredLog, batch: PersistBatch): PersistPlan {
  const problem = (why: string): StorageError =>
    new StorageError(`impossible batch: ${why}`, 'INVALID_BATCH');
  if (typeof batch !== 'object' || batch === null) throw problem('the batch is not an object');

  // The log as the steps go: entries up to `keptThrough` survive from the store, then `entries`.
  let base = stored.snapshotIndex;
  let baseTerm = stored.snapshotTerm;
  let keptThrough = stored.lastIndex;
  let last = stored.lastIndex;
  let deleteFrom: number | null = null;
  let snapshot: Snapshot | null = null;
  const entries = batch.entries ?? NO_ENTRIES;
  if (!Array.isArray(entries)) throw problem('entries is not an array');
  const first = (entries[0] as Entry | undefined)?.index ?? Number.POSITIVE_INFINITY;
  const termAt = (i: number): number | undefined => {
    if (i === base) return baseTerm;
    if (i < base || i > last) return undefined;
    if (i >= first) return (entries[i - first] as Entry).term;
    return stored.termAt(i);
  };

  // 1. A snapshot from the leader: the log restarts after it.
  if (batch.snapshot !== undefined) {
    const bad = snapshotProblem(batch.snapshot);
    if (bad) throw problem(`snapshot ${bad}`);
    const { index, term } = batch.snapshot.meta;
    if (index < base) throw problem(`snapshot at ${index} is behind the stored snapshot at ${base}`);
    snapshot = batch.snapshot;
    deleteFrom = stored.firstIndex;
    base = index;
    baseTerm = term;
    keptThrough = base;
    last = base;
  }

  // 2. Entries replace the suffix from entries[0].index (paper 5.3).
  for (let k = 0; k < entries.length; k++) {
    const entry = entries[k] as Entry;
    const bad = entryProblem(entry);
    if (bad) throw problem(`entry ${k} ${bad}`);
    if (k > 0 && entry.index !== first + k) throw problem(`entries are not consecutive at ${entry.index}`);
    if (k > 0 && entry.term < (entries[k - 1] as Entry).term)
      throw problem(`entry terms decrease at ${entry.index}`);
  }
  if (entries.length > 0) {
    if (first <= base) throw problem(`entries start at ${first}, at or below the snapshot index ${base}`);
    if (first > last + 1)
      throw problem(`entries start at ${first}, leaving a gap after the last index ${last}`);
    const prevTerm = termAt(first - 1);
    const firstTerm = (entries[0] as Entry).term;
    if (prevTerm !== undefined && firstTerm < prevTerm) {
      throw problem(
        `entry ${first} has term ${firstTerm}, below the term ${prevTerm} of the entry before it`,
      );
    }
    if (first <= keptThrough) {
      keptThrough = first - 1;
      deleteFrom = Math.min(deleteFrom ?? first, first);
    }
    last = first + entries.length - 1;
  }

  // 3. Compaction: a snapshot of this node's own state machine, within the log.
  if (batch.compaction !== undefined) {
    const bad = snapshotProblem(batch.compaction);
    if (bad) throw problem(`compaction ${bad}`);
    const { index, term } = batch.compaction.meta;
    if (index < base) throw problem(`compaction at ${index} is behind the snapshot at ${base}`);
    if (index > last) throw problem(`compaction at ${index} is beyond the last index ${last}`);
    const there = termAt(index);
    if (there !== undefined && there !== term) {
      throw problem(`compaction at ${index} has term ${term} but the entry there has term ${there}`);
    }
    snapshot = batch.compaction;
    base = index;
    baseTerm = term;
  }

  // 4. Hard state.
  const old = stored.hardState;
  const hardState = batch.hardState ?? null;
  if (hardState !== null) {
    const bad = hardStateProblem(hardState);
    if (bad) throw problem(`hardState ${bad}`);
    if (hardState.term < old.term) throw problem(`term goes back from ${old.term} to ${hardState.term}`);
    if (hardState.term === old.term && old.vote !== null && hardState.vote !== old.vote) {
      throw problem(`vote in term ${hardState.term} changes from ${old.vote} to ${hardState.vote}`);
    }
  }
  const commit = (hardState ?? old).commit;
  if (commit > last) throw problem(`commit ${commit} lies beyond the last index ${last}`);

  const append = entries.length === 0 || first > base ? entries : entries.slice(base - first + 1);
  return {
    snapshot,
    deleteFrom,
    deleteThrough: snapshot ? base : stored.snapshotIndex,
    append,
    hardState,
    firstIndex: base + 1,
    lastIndex: last,
  };
}
