import { StorageCorruptError } from '../errors.js';
import type { Entry, HardState, Snapshot } from '../protocol/types.js';
import type { PersistedState } from './types.js';

/*
 * Shape checks of the records a storage adapter writes and reads back. The `...Problem` functions say
 * what is wrong (or null) and serve both directions: `planPersist` refuses a batch with them, and the
 * `check...Record` functions turn them into a `StorageCorruptError` naming the record, for what `load()`
 * reads from a store that someone else may have garbled.
 */

const ENTRY_KINDS: ReadonlySet<unknown> = new Set(['command', 'noop', 'config']);

export const isIndex = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

const isStringArray = (v: unknown): boolean => Array.isArray(v) && v.every((x) => typeof x === 'string');

export function hardStateProblem(value: unknown): string | null {
  if (!isRecord(value)) return 'not an object';
  if (!isIndex(value.term) || !isIndex(value.commit)) return 'term/commit must be non-negative integers';
  if (value.vote !== null && typeof value.vote !== 'string') return 'vote must be a string or null';
  if (value.cluster !== undefined && typeof value.cluster !== 'string') return 'cluster must be a string';
  return null;
}

export function snapshotProblem(value: unknown): string | null {
  if (!isRecord(value) || !isRecord(value.meta)) return 'has no meta';
  const { index, term, config } = value.meta;
  if (!isIndex(index) || !isIndex(term)) return 'index/term must be non-negative integers';
  if (!isRecord(config) || !isStringArray(config.voters) || !isStringArray(config.learners)) {
    return 'has no config { voters, learners }';
  }
  return null;
}

export function entryProblem(value: unknown): string | null {
  if (!isRecord(value)) return 'not an object';
  if (!isIndex(value.index) || value.index < 1 || !isIndex(value.term)) return 'has no valid index/term';
  if (!ENTRY_KINDS.has(value.kind))
    return `kind ${JSON.stringify(value.kind)} is not command, noop or config`;
  if (value.client !== undefined && typeof value.client !== 'string') return 'client must be a string';
  if (value.seq !== undefined && !isIndex(value.seq)) return 'seq must be a non-negative integer';
  return null;
}

export function checkHardStateRecord(value: unknown, record = 'hardState'): HardState {
  const problem = hardStateProblem(value);
  if (problem) throw new StorageCorruptError(record, problem);
  return value as HardState;
}

export function checkSnapshotRecord(value: unknown, record = 'snapshot'): Snapshot {
  const problem = snapshotProblem(value);
  if (problem) throw new StorageCorruptError(record, problem);
  return value as Snapshot;
}

export function checkEntryRecord(value: unknown, record: string): Entry {
  const problem = entryProblem(value);
  if (problem) throw new StorageCorruptError(record, problem);
  return value as Entry;
}

/**
 * Checks a whole loaded state: every record's shape, and that the entries continue the snapshot without
 * a gap, their terms never decrease, and the commit index lies within the log. `record` prefixes the
 * names in errors (an adapter's key or database name), so a user can find what is broken.
 */
export function checkLoadedState(state: PersistedState, record = ''): PersistedState {
  const at = (name: string) => (record ? `${record}/${name}` : name);
  const hardState = checkHardStateRecord(state.hardState, at('hardState'));
  const snapshot = state.snapshot === null ? null : checkSnapshotRecord(state.snapshot, at('snapshot'));
  if (!Array.isArray(state.entries)) throw new StorageCorruptError(at('entries'), 'not an array');
  let index = snapshot?.meta.index ?? 0;
  let term = snapshot?.meta.term ?? 0;
  for (const value of state.entries) {
    const entry = checkEntryRecord(value, at(`entry ${index + 1}`));
    if (entry.index !== index + 1) {
      throw new StorageCorruptError(
        at(`entry ${index + 1}`),
        `found index ${entry.index}: the log has a gap`,
      );
    }
    if (entry.term < term) {
      throw new StorageCorruptError(
        at(`entry ${entry.index}`),
        `term ${entry.term} is below ${term} before it`,
      );
    }
    index = entry.index;
    term = entry.term;
  }
  if (hardState.commit > index) {
    throw new StorageCorruptError(
      at('hardState'),
      `commit ${hardState.commit} lies beyond the last index ${index}`,
    );
  }
  return state;
}
