import { StorageError } from '../errors.js';
import { cloneJson } from '../protocol/clone-json.js';
import { makeEntry } from '../protocol/make-entry.js';
import type { ClusterConfig, Entry, HardState } from '../protocol/types.js';
import { applyPlan, type StoredImage } from './apply-plan.js';
import { type PersistPlan, planPersist } from './plan-persist.js';
import { StoredLog } from './stored-log.js';
import { EMPTY_HARD_STATE, type PersistBatch, type PersistedState, type RaftStorage } from './types.js';

declare function structuredClone<T>(value: T): T;

/** What every successful `persist` returns. */
const WRITTEN: Promise<void> = Promise.resolve();

/** The "disk" behind one or more `MemoryStorage` handles. */
interface Disk extends StoredImage {
  /** The shape of the image, which batches are planned against. */
  log: StoredLog;
}

/**
 * Storage in memory, for tests, the simulator and benchmarks. It keeps deep copies (callers may mutate
 * what they passed or got back) and applies each batch atomically: the whole batch is validated first,
 * and an impossible one rejects with a `StorageError` having changed nothing.
 *
 * Batches are checked by `planPersist`, as every adapter's are, so the simulator catches a protocol bug
 * at the write that would break Raft's durable invariants.
 *
 * `reopen()` gives a new handle on the same data: a restart in the simulator and in tests.
 */
export class MemoryStorage implements RaftStorage {
  #disk: Disk = { hardState: { ...EMPTY_HARD_STATE }, snapshot: null, entries: [], log: StoredLog.empty() };
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
    apply(this.#disk, planPersist(this.#disk.log, copy));
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

/** Writes a planned batch onto the disk, in the order `planPersist` documents. */
function apply(disk: Disk, plan: PersistPlan): void {
  applyPlan(disk, plan);
  disk.log.apply(plan);
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
    hardState: hs ? copyHardState(hs) : undefined,
  };
}

function copyHardState(hs: HardState): HardState {
  return hs.cluster === undefined
    ? { term: hs.term, vote: hs.vote, commit: hs.commit }
    : { term: hs.term, vote: hs.vote, commit: hs.commit, cluster: hs.cluster };
}

function copyEntry(e: Entry): Entry {
  const data = e.data === undefined ? undefined : cloneJson(e.data);
  return makeEntry(e.index, e.term, e.kind, data, e.client, e.seq);
}
