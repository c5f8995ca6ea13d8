import type { Entry, PersistPlan } from '@webraft/core';
import { StorageCorruptError } from '@webraft/core';
import {
  CHUNK_STORE,
  HARD_STATE_KEY,
  LOG_STORE,
  type SegmentRecord,
  SNAPSHOT_KEY,
  type SnapshotRecord,
  STATE_STORE,
} from './schema.js';
import type { SegmentWrites } from './segments.js';
import { type Durability, runTransaction, whenAll } from './transaction.js';

/**
 * Writes one planned batch in ONE readwrite transaction; resolves on its `complete` event. The order
 * is the one `planPersist` documents: deletes first, then the segments cut by them, the new entries,
 * the snapshot and the hard state. A batch that cuts a segment reads it first, inside the same
 * transaction, and writes everything once the read returns; a plain append reads nothing.
 */
export function writeBatch(
  db: IDBDatabase,
  durability: Durability,
  plan: PersistPlan,
  writes: SegmentWrites,
  snapshotChunks: string[] | null,
  name: string,
): Promise<void> {
  return runTransaction(db, 'readwrite', durability, (tx, fail) => {
    const log = tx.objectStore(LOG_STORE);
    const write = (cut: Map<number, unknown>) => {
      if (writes.deleteFrom !== null) log.delete(IDBKeyRange.lowerBound(writes.deleteFrom));
      if (writes.deleteThrough !== null) log.delete(IDBKeyRange.upperBound(writes.deleteThrough));
      for (const rewrite of writes.rewrites) {
        const entries = segmentEntries(cut.get(rewrite.source), rewrite.source, name);
        const kept = entries.slice(rewrite.from - rewrite.source, rewrite.to - rewrite.source + 1);
        if (kept.length !== rewrite.to - rewrite.from + 1) {
          throw new StorageCorruptError(
            `${name}/log/${rewrite.source}`,
            'the segment is shorter than the log says',
          );
        }
        log.put({ entries: kept } satisfies SegmentRecord, rewrite.from);
      }
      for (const segment of writes.appends) {
        log.put({ entries: segment as Entry[] } satisfies SegmentRecord, (segment[0] as Entry).index);
      }
      const state = tx.objectStore(STATE_STORE);
      if (plan.snapshot && snapshotChunks) {
        const chunks = tx.objectStore(CHUNK_STORE);
        chunks.clear();
        for (let k = 0; k < snapshotChunks.length; k++) chunks.put(snapshotChunks[k], k);
        const record: SnapshotRecord = { meta: plan.snapshot.meta, chunks: snapshotChunks.length };
        state.put(record, SNAPSHOT_KEY);
      }
      // Stored whole, never field by field: a hard state's fields belong together.
      if (plan.hardState) state.put(plan.hardState, HARD_STATE_KEY);
    };
    if (writes.rewrites.length === 0) {
      write(new Map());
      return;
    }
    const sources = writes.rewrites.map((r) => r.source);
    whenAll(
      sources.map((key) => log.get(key)),
      fail,
      (values) => write(new Map(sources.map((key, k) => [key, values[k]]))),
    );
  });
}

/** The entries of a segment read back for a cut, checked enough to cut it safely. */
function segmentEntries(value: unknown, key: number, name: string): Entry[] {
  const entries = (value as SegmentRecord | undefined)?.entries;
  if (!Array.isArray(entries) || (entries[0] as Entry | undefined)?.index !== key) {
    throw new StorageCorruptError(`${name}/log/${key}`, 'the segment to cut is missing or garbled');
  }
  return entries;
}
