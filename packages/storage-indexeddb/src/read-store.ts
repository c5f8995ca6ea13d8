import {
  checkHardStateRecord,
  checkLoadedState,
  checkSnapshotRecord,
  type Entry,
  type HardState,
  type PersistedState,
  type Snapshot,
  StorageCorruptError,
} from '@webraft/core';
import {
  CHUNK_STORE,
  HARD_STATE_KEY,
  LOG_STORE,
  type SegmentRecord,
  SNAPSHOT_KEY,
  type SnapshotRecord,
  STATE_STORE,
} from './schema.js';
import { decodeSnapshotData } from './snapshot-chunks.js';
import { runTransaction, whenAll } from './transaction.js';

/** The records of one database as read, before any check. */
export interface RawStore {
  hardState: unknown;
  snapshot: unknown;
  chunks: unknown[];
  segmentKeys: unknown[];
  segments: unknown[];
}

/** What `load()` returns, and where the segments start (for `SegmentLayout`). */
export interface LoadedStore {
  state: PersistedState;
  segmentStarts: number[];
}

/**
 * Reads every record in ONE readonly transaction with five requests (`getAll` of the log and of the
 * chunks): loading 100,000 entries costs no more requests or promises than loading one.
 */
export async function readStore(db: IDBDatabase): Promise<RawStore> {
  let raw: RawStore | undefined;
  await runTransaction(db, 'readonly', 'default', (tx, fail) => {
    const state = tx.objectStore(STATE_STORE);
    const log = tx.objectStore(LOG_STORE);
    whenAll(
      [
        state.get(HARD_STATE_KEY),
        state.get(SNAPSHOT_KEY),
        tx.objectStore(CHUNK_STORE).getAll(),
        log.getAllKeys(),
        log.getAll(),
      ],
      fail,
      ([hardState, snapshot, chunks, segmentKeys, segments]) => {
        raw = {
          hardState,
          snapshot,
          chunks: chunks as unknown[],
          segmentKeys: segmentKeys as unknown[],
          segments: segments as unknown[],
        };
      },
    );
  });
  return raw as RawStore;
}

const EMPTY_HARD_STATE: HardState = { term: 0, vote: null, commit: 0 };

/**
 * Checks what was read, record by record: a garbled, truncated or wrong-shaped record throws
 * `StorageCorruptError` naming it (`<database>/<store>/<key>`), never an empty or partial state.
 */
export function decodeStore(raw: RawStore, name: string): LoadedStore {
  const hardState =
    raw.hardState === undefined
      ? { ...EMPTY_HARD_STATE }
      : checkHardStateRecord(raw.hardState, `${name}/${STATE_STORE}/${HARD_STATE_KEY}`);
  const snapshot = raw.snapshot === undefined ? null : decodeSnapshot(raw.snapshot, raw.chunks, name);
  if (raw.snapshot === undefined && raw.chunks.length > 0) {
    throw new StorageCorruptError(
      `${name}/${STATE_STORE}/${SNAPSHOT_KEY}`,
      'snapshot chunks are stored without a snapshot',
    );
  }
  const entries: Entry[] = [];
  const segmentStarts: number[] = [];
  let next = (snapshot?.meta.index ?? 0) + 1;
  raw.segments.forEach((value, k) => {
    const key = raw.segmentKeys[k];
    const record = `${name}/${LOG_STORE}/${String(key)}`;
    if (!Number.isSafeInteger(key) || (key as number) < 1)
      throw new StorageCorruptError(record, 'the key is not an index');
    const segment = value as SegmentRecord | null;
    if (
      typeof segment !== 'object' ||
      segment === null ||
      !Array.isArray(segment.entries) ||
      segment.entries.length === 0
    ) {
      throw new StorageCorruptError(record, 'not a segment { entries: [...] }');
    }
    if ((segment.entries[0] as { index?: unknown } | null)?.index !== key) {
      throw new StorageCorruptError(record, 'its first entry does not have the index it is stored under');
    }
    if (key !== next) {
      throw new StorageCorruptError(
        record,
        `the log has a gap: the segment starts at ${key}, the log before it ends at ${next - 1}`,
      );
    }
    next = (key as number) + segment.entries.length;
    segmentStarts.push(key as number);
    for (const entry of segment.entries) entries.push(entry);
  });
  const state = checkLoadedState({ hardState, snapshot, entries }, name);
  return { state, segmentStarts };
}

function decodeSnapshot(value: unknown, chunks: unknown[], name: string): Snapshot {
  const record = `${name}/${STATE_STORE}/${SNAPSHOT_KEY}`;
  const stored = value as SnapshotRecord | null;
  if (
    typeof stored !== 'object' ||
    stored === null ||
    !Number.isSafeInteger(stored.chunks) ||
    stored.chunks < 0
  ) {
    throw new StorageCorruptError(record, 'not a snapshot record { meta, chunks }');
  }
  checkSnapshotRecord({ meta: stored.meta, data: null }, record);
  return { meta: stored.meta, data: decodeSnapshotData(chunks, stored.chunks, `${name}/${CHUNK_STORE}`) };
}
