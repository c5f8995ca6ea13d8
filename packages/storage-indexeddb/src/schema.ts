/**
 * The layout of one node's database (version 1). Three object stores, written together in one
 * transaction per batch:
 * - `state`: the record `hardState` (a `HardState`, stored whole) and the record `snapshot`
 *   (`SnapshotRecord`: the snapshot's meta and how many chunks its data has);
 * - `snapshotChunks`: the snapshot's data as JSON, cut into strings of at most `snapshotChunkChars`
 *   characters, keyed 0, 1, 2, ...;
 * - `log`: the entries, as segments (`SegmentRecord`) keyed by the index of their first entry. A batch
 *   appends one segment (or a few, for batches longer than `MAX_SEGMENT_ENTRIES`): one put per batch.
 */
import type { Entry, SnapshotMeta } from '@webraft/core';

export const SCHEMA_VERSION = 1;

export const STATE_STORE = 'state';
export const CHUNK_STORE = 'snapshotChunks';
export const LOG_STORE = 'log';
export const ALL_STORES = [STATE_STORE, CHUNK_STORE, LOG_STORE] as const;

export const HARD_STATE_KEY = 'hardState';
export const SNAPSHOT_KEY = 'snapshot';

/**
 * Entries per segment at most. A conflicting suffix or a compaction inside a segment rewrites it, so a
 * bound keeps that rewrite small; the default batch sizes of the runtime are far below it.
 */
export const MAX_SEGMENT_ENTRIES = 1024;

/** Default size of a snapshot chunk, in characters of JSON: 1 Mi characters (2 MiB as UTF-16). */
export const DEFAULT_SNAPSHOT_CHUNK_CHARS = 1 << 20;

/** The `snapshot` record: the data itself lives in `chunks` records of the chunk store. */
export interface SnapshotRecord {
  meta: SnapshotMeta;
  chunks: number;
}

/** A run of consecutive entries, stored under the index of its first one. */
export interface SegmentRecord {
  entries: Entry[];
}

/** Creates the stores of a new database (an `upgradeneeded` from version 0). */
export function createStores(db: IDBDatabase): void {
  for (const name of ALL_STORES) {
    if (!db.objectStoreNames.contains(name)) db.createObjectStore(name);
  }
}
