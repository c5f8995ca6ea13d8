import { checkLoadedState, type Entry, type PersistedState, StorageCorruptError } from '@webraft/core';
import { decodeHead, EMPTY_HEAD, type Head } from './head.js';
import type { RecordKeys } from './keys.js';

/** What `load()` read: the state, and the head it came from (which the next batch plans against). */
export interface LoadedState {
  state: PersistedState;
  head: Head;
  /** The head as stored, or null when there is none (nothing was ever written). */
  headJson: string | null;
}

/**
 * Reads the head, then exactly the records it names, and checks them: a garbled, truncated or
 * wrong-shaped record throws `StorageCorruptError` naming its key, never an empty or partial state.
 * Records the head does not name (a batch cut off before its head switch) are not read at all.
 */
export function readState(storage: Storage, keys: RecordKeys): LoadedState {
  const headJson = storage.getItem(keys.head);
  if (headJson === null) {
    return {
      state: { hardState: { ...EMPTY_HEAD.hardState }, snapshot: null, entries: [] },
      head: EMPTY_HEAD,
      headJson,
    };
  }
  const head = decodeHead(headJson, keys.head);
  const entries: Entry[] = [];
  for (const s of head.segments) {
    const key = keys.segment(s.gen, s.start);
    const segment = parseRecord(storage, key, 'segment', s.chars);
    if (!Array.isArray(segment) || segment.length !== s.count) {
      throw new StorageCorruptError(key, `not an array of the ${s.count} entries the head names`);
    }
    if ((segment[0] as { index?: unknown } | null)?.index !== s.start) {
      throw new StorageCorruptError(
        key,
        `its first entry does not have the index ${s.start} it is stored under`,
      );
    }
    for (const entry of segment as Entry[]) entries.push(entry);
  }
  let snapshot: PersistedState['snapshot'] = null;
  if (head.snapshot) {
    const key = keys.snapshot(head.snapshot.gen);
    const record = parseRecord(storage, key, 'snapshot');
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      throw new StorageCorruptError(key, 'not a snapshot record { data }');
    }
    // A copy of the meta: the caller may change what load() returns, never the head planned against.
    const meta = JSON.parse(JSON.stringify(head.snapshot.meta));
    snapshot = { meta, data: (record as { data?: unknown }).data };
  }
  const hardState = { ...head.hardState };
  const state = checkState({ hardState, snapshot, entries }, head, keys);
  return { state, head, headJson };
}

/**
 * `checkLoadedState`, with the error naming the key that holds the bad record: the head for the hard
 * state, the segment for an entry.
 */
function checkState(state: PersistedState, head: Head, keys: RecordKeys): PersistedState {
  try {
    return checkLoadedState(state, keys.name);
  } catch (error) {
    if (!(error instanceof StorageCorruptError)) throw error;
    const what = error.record.slice(keys.name.length + 1);
    const index = /^entry (\d+)$/.exec(what)?.[1];
    const segment =
      index === undefined ? undefined : head.segments.find((s) => s.start + s.count > Number(index));
    const key = segment ? keys.segment(segment.gen, segment.start) : keys.head;
    throw new StorageCorruptError(key, `${what}: ${error.message}`, { cause: error });
  }
}

function parseRecord(storage: Storage, key: string, what: string, chars?: number): unknown {
  const json = storage.getItem(key);
  if (json === null) throw new StorageCorruptError(key, `the ${what} the head names is missing`);
  if (chars !== undefined && json.length !== chars) {
    throw new StorageCorruptError(key, `${json.length} characters stored, the head says ${chars}`);
  }
  try {
    return JSON.parse(json);
  } catch (cause) {
    throw new StorageCorruptError(key, `not valid JSON: ${String(cause)}`, { cause });
  }
}
