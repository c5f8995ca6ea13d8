import { StorageError } from '../errors.js';
import { cloneJson } from '../protocol/clone-json.js';
import { makeEntry } from '../protocol/make-entry.js';
import type { ClusterConfig, Entry, HardState, Snapshot } from '../protocol/types.js';
import { EMPTY_HARD_STATE, type PersistBatch, type PersistedState, type RaftStorage } from './types.js';

declare function structuredClone<T>(value: T): T;

/** What every successful `persist` returns. */
const WRITTEN: Promise<void> = Promise.resolve();

/** The "disk" behind one or more `MemoryStorage` handles. Invariant: `entries[i].index === base + 1 + i`. */
interface Disk {
  hardState: HardState;
  snapshot: Snapshot | null;
  entries: Entry[];
}

/**
 * Storage in memory, for tests, the simulator and benchmarks. It keeps deep copies (callers may mutate
 * what they passed or got back) and applies each batch atomically: the whole batch is validated first,
 * and an impossible one rejects with a `StorageError` having changed nothing.
 *
 * Besides the shape of the log (consecutive indexes, no gap, nothing below the snapshot, compaction
 * within the log, terms never decreasing along the log) it guards Raft's durable invariants, so that the
 * simulator catches protocol bugs at the write that would break them:
 * - the term never decreases and a vote cast in a term never changes (election safety, paper 5.2);
 * - the commit index never lies beyond the log: a batch cannot truncate committed entries (5.3, 5.4);
 * - a snapshot or compaction never goes back behind the stored snapshot.
 *
 * `reopen()` gives a new handle on the same data: a restart in the simulator and in tests.
 */
export class MemoryStorage implements RaftStorage {
  #disk: Disk = { hardState: { ...EMPTY_HARD_STATE }, snapshot: null, entries: [] };
  #closed = false;
  #persistCount = 0;
  #injected: StorageError | null = null;

  /** A new handle on the same stored data: a restart. The old handle keeps working until closed. */
  reopen(): MemoryStorage {
    const handle = new MemoryStorage();
    handle.#disk = this.#disk;
    return handle;
  }

  /** Loads the stored state; on a closed handle it opens it again first (a restart over the same object). */
  async load(): Promise<PersistedState> {
    this.#closed = false;
    const d = this.#disk;
    return structuredClone({ hardState: d.hardState, snapshot: d.snapshot, entries: d.entries });
  }

  /**
   * Not an async function: the write is done before this returns, so one settled promise serves every
   * call (an async function's own promise and frame cost about a microsecond per write).
   */
  persist(batch: PersistBatch): Promise<void> {
    try {
      this.#write(batch);
    } catch (error) {
      return Promise.reject(error);
    }
    return WRITTEN;
  }

  #write(batch: PersistBatch): void {
    this.#checkOpen();
    if (this.#injected) {
      const error = this.#injected;
      this.#injected = null;
      throw error;
    }
    let copy: PersistBatch;
    try {
      copy = copyBatch(batch);
    } catch (cause) {
      throw new StorageError(`batch is not cloneable: ${String(cause)}`, 'INVALID_BATCH', { cause });
    }
    const problem = validate(this.#disk, copy);
    if (problem) throw new StorageError(`impossible batch: ${problem}`, 'INVALID_BATCH');
    apply(this.#disk, copy);
    this.#persistCount++;
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  /** Makes the next `persist` reject with `error` (writing nothing): for tests of storage failures. */
  failNextPersist(error = new StorageError('injected storage failure', 'IO')): void {
    this.#injected = error;
  }

  get closed(): boolean {
    return this.#closed;
  }
  /** Successful `persist` calls through this handle. */
  get persistCount(): number {
    return this.#persistCount;
  }
  get hardState(): HardState {
    return { ...this.#disk.hardState };
  }
  /** Index of the stored snapshot, 0 if none. */
  get snapshotIndex(): number {
    return this.#disk.snapshot?.meta.index ?? 0;
  }
  get snapshotTerm(): number {
    return this.#disk.snapshot?.meta.term ?? 0;
  }
  /** Index of the first stored entry (`snapshotIndex + 1`, even when no entry is stored). */
  get firstIndex(): number {
    return this.snapshotIndex + 1;
  }
  /** Index of the last stored entry, or the snapshot index when no entry is stored. */
  get lastIndex(): number {
    return this.snapshotIndex + this.#disk.entries.length;
  }
  /** The stored term at `index`: the snapshot's at its index, undefined before it or beyond the log. */
  termAt(index: number): number | undefined {
    const d = this.#disk;
    const base = d.snapshot?.meta.index ?? 0;
    if (index === base) return d.snapshot?.meta.term ?? 0;
    return d.entries[index - base - 1]?.term;
  }
  /**
   * The configuration stored for `index`: the latest stored configuration entry at or before it, else
   * the snapshot's (null when neither exists: the bootstrap configuration applies).
   */
  configAt(index: number): ClusterConfig | null {
    const d = this.#disk;
    const base = d.snapshot?.meta.index ?? 0;
    for (let i = Math.min(index - base, d.entries.length) - 1; i >= 0; i--) {
      const e = d.entries[i]!;
      if (e.kind === 'config') return e.data as ClusterConfig;
    }
    return d.snapshot?.meta.config ?? null;
  }
  /** Number of stored entries (after the snapshot). */
  get entryCount(): number {
    return this.#disk.entries.length;
  }

  #checkOpen(): void {
    if (this.#closed) throw new StorageError('the storage is closed', 'CLOSED');
  }
}

const isIndex = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;

function checkSnapshot(s: Snapshot, what: string): string | null {
  if (typeof s !== 'object' || s === null || typeof s.meta !== 'object' || s.meta === null) {
    return `${what} has no meta`;
  }
  const { index, term, config } = s.meta;
  if (!isIndex(index) || !isIndex(term)) return `${what} index/term must be non-negative integers`;
  if (!config || !Array.isArray(config.voters) || !Array.isArray(config.learners)) {
    return `${what} has no config { voters, learners }`;
  }
  return null;
}

const NO_ENTRIES: readonly Entry[] = Object.freeze([]);

/** The term at `i` in a log made of a base (snapshot), `keepOld` stored entries and `entries` from `first`. */
function termAfter(
  i: number,
  base: number,
  baseTerm: number,
  entries: readonly Entry[],
  first: number,
  stored: readonly Entry[],
  storedBase: number,
  keepOld: number,
): number | undefined {
  if (i === base) return baseTerm;
  if (i < base) return undefined;
  if (i >= first) return entries[i - first]?.term;
  return i - storedBase - 1 < keepOld ? stored[i - storedBase - 1]?.term : undefined;
}

/** Returns why `batch` cannot be applied to `disk`, or null. Reads only; mutates nothing. */
function validate(disk: Disk, batch: PersistBatch): string | null {
  const oldBase = disk.snapshot?.meta.index ?? 0;
  let base = oldBase;
  let baseTerm = disk.snapshot?.meta.term ?? 0;
  let last = oldBase + disk.entries.length;
  let keepOld = disk.entries.length; // how many stored entries survive steps 1 and 2
  const entries = batch.entries ?? NO_ENTRIES;
  const first = entries[0]?.index ?? Number.POSITIVE_INFINITY;

  // 1. snapshot from the leader: the log restarts after it.
  if (batch.snapshot !== undefined) {
    const bad = checkSnapshot(batch.snapshot, 'snapshot');
    if (bad) return bad;
    if (batch.snapshot.meta.index < base) {
      return `snapshot at ${batch.snapshot.meta.index} is behind the stored snapshot at ${base}`;
    }
    base = batch.snapshot.meta.index;
    baseTerm = batch.snapshot.meta.term;
    last = base;
    keepOld = 0;
  }

  // 2. entries: replace the suffix from entries[0].index.
  if (!Array.isArray(entries)) return 'entries is not an array';
  for (let k = 0; k < entries.length; k++) {
    const e = entries[k];
    if (typeof e !== 'object' || e === null || !isIndex(e.index) || !isIndex(e.term) || e.index < 1) {
      return `entry ${k} has no valid index/term`;
    }
    if (k > 0 && e.index !== first + k) return `entries are not consecutive at ${e.index}`;
    if (k > 0 && e.term < (entries[k - 1] as Entry).term) return `entry terms decrease at ${e.index}`;
  }
  if (entries.length > 0) {
    if (first <= base) return `entries start at ${first}, at or below the snapshot index ${base}`;
    if (first > last + 1) return `entries start at ${first}, leaving a gap after the last index ${last}`;
    const prevTerm = termAfter(first - 1, base, baseTerm, entries, first, disk.entries, oldBase, keepOld);
    const firstTerm = (entries[0] as Entry).term;
    if (prevTerm !== undefined && firstTerm < prevTerm) {
      return `entry ${first} has term ${firstTerm}, below the term ${prevTerm} of the entry before it`;
    }
    keepOld = Math.min(keepOld, first - oldBase - 1);
    last = first + entries.length - 1;
  }

  // 3. compaction: a snapshot of this node's own state machine, within the log.
  if (batch.compaction !== undefined) {
    const bad = checkSnapshot(batch.compaction, 'compaction');
    if (bad) return bad;
    const { index, term } = batch.compaction.meta;
    if (index < base) return `compaction at ${index} is behind the snapshot at ${base}`;
    if (index > last) return `compaction at ${index} is beyond the last index ${last}`;
    const stored = termAfter(index, base, baseTerm, entries, first, disk.entries, oldBase, keepOld);
    if (stored !== undefined && stored !== term) {
      return `compaction at ${index} has term ${term} but the entry there has term ${stored}`;
    }
    base = index;
    baseTerm = term;
  }

  // 4. hard state.
  const old = disk.hardState;
  const hs = batch.hardState ?? old;
  if (batch.hardState !== undefined) {
    if (typeof hs !== 'object' || hs === null || !isIndex(hs.term) || !isIndex(hs.commit)) {
      return 'hardState term/commit must be non-negative integers';
    }
    if (hs.vote !== null && typeof hs.vote !== 'string') return 'hardState vote must be a string or null';
    if (hs.term < old.term) return `term goes back from ${old.term} to ${hs.term}`;
    if (hs.term === old.term && old.vote !== null && hs.vote !== old.vote) {
      return `vote in term ${hs.term} changes from ${old.vote} to ${hs.vote}`;
    }
  }
  if (hs.commit > last) return `commit ${hs.commit} lies beyond the last index ${last}`;
  return null;
}

/** Applies a validated batch in the documented order. */
function apply(disk: Disk, batch: PersistBatch): void {
  if (batch.snapshot) {
    disk.snapshot = batch.snapshot;
    disk.entries = [];
  }
  const entries = batch.entries;
  if (entries && entries.length > 0) {
    const base = disk.snapshot?.meta.index ?? 0;
    const keep = (entries[0] as Entry).index - base - 1;
    if (disk.entries.length !== keep) disk.entries.length = keep; // a conflicting suffix goes first
    for (const e of entries) disk.entries.push(e);
  }
  if (batch.compaction) {
    const drop = batch.compaction.meta.index - (disk.snapshot?.meta.index ?? 0);
    disk.entries = disk.entries.slice(drop);
    disk.snapshot = batch.compaction;
  }
  if (batch.hardState) disk.hardState = batch.hardState;
}

/**
 * A private copy of a batch, so later changes by the caller cannot reach what is "on disk". Entries
 * are copied field by field with `cloneJson` (the hot path: `structuredClone` cost more than the rest
 * of a commit); snapshots, which are rare and may be large, with `structuredClone`.
 */
function copyBatch(batch: PersistBatch): PersistBatch {
  const { snapshot, entries, compaction, hardState: hs } = batch;
  // One literal with every part (absent ones undefined): one hidden class for every copy.
  return {
    snapshot: snapshot ? structuredClone(snapshot) : undefined,
    entries: entries ? entries.map(copyEntry) : undefined,
    compaction: compaction ? structuredClone(compaction) : undefined,
    hardState: hs ? { term: hs.term, vote: hs.vote, commit: hs.commit } : undefined,
  };
}

function copyEntry(e: Entry): Entry {
  const data = e.data === undefined ? undefined : cloneJson(e.data);
  return makeEntry(e.index, e.term, e.kind, data, e.client, e.seq);
}
