import {
  type PersistBatch,
  type PersistedState,
  planPersist,
  type RaftStorage,
  refuseLostStorage,
  StorageCorruptError,
  StorageError,
  StorageLostError,
  StoredLog,
  type UsageMarker,
} from '@webraft/core';
import { EMPTY_HEAD, encodeHead, type Head } from './head.js';
import { nodePrefix, RecordKeys } from './keys.js';
import { liveKeys, planWrites } from './layout.js';
import { readState } from './read-state.js';
import { bytesInUse, defaultStorage, toStorageError } from './web-storage.js';

export interface LocalStorageStorageOptions {
  /** The Web Storage to use (default: the global `localStorage`): `sessionStorage`, or an in-memory one. */
  storage?: Storage;
  /** Keeps apps (or clusters) of one origin apart: keys start with `webraft/<namespace>/<nodeId>/`. */
  namespace?: string;
  /** Whether this node id wrote data before, kept outside this node's keys (`@webraft/tab`'s identity). */
  usage?: UsageMarker;
}

/** What every successful `persist` returns (the write is done, synchronously, before it returns). */
const WRITTEN: Promise<void> = Promise.resolve();

/**
 * Durable storage of one node in localStorage (README.md beside this file). Each batch writes new
 * immutable records, then switches the one head record that names the live records, then removes the
 * records it no longer names: a crash between any two calls loads as the state before the batch or
 * after it. `load()` sweeps records no head names (a batch cut off before its switch).
 */
export class LocalStorageStorage implements RaftStorage {
  readonly nodeId: string;
  /** Every key of this node starts with this. */
  readonly keyPrefix: string;
  readonly #storage: Storage;
  readonly #keys: RecordKeys;
  readonly #usage: UsageMarker | undefined;
  #log = StoredLog.empty();
  #head: Head = EMPTY_HEAD;
  /** The head as this handle last read or wrote it; null when there is none. */
  #headJson: string | null = null;
  #loaded = false;
  #closed = false;
  #markedUsed = false;

  constructor(nodeId: string, options: LocalStorageStorageOptions = {}) {
    this.keyPrefix = nodePrefix(nodeId, options.namespace);
    this.nodeId = nodeId;
    this.#storage = options.storage ?? defaultStorage();
    this.#keys = new RecordKeys(this.keyPrefix);
    this.#usage = options.usage;
  }

  async load(): Promise<PersistedState> {
    this.#closed = false;
    return this.#load();
  }

  /** Not an async function: the writes are synchronous, so one settled promise serves every batch. */
  persist(batch: PersistBatch): Promise<void> {
    try {
      if (this.#closed) throw new StorageError(`the storage of ${this.nodeId} is closed`, 'CLOSED');
      if (!this.#loaded) this.#load();
      this.#persist(batch);
    } catch (error) {
      return Promise.reject(error);
    }
    return WRITTEN;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#loaded = false;
  }

  /** Bytes this node's keys and values take in the Storage (UTF-16: two per character). */
  bytesInUse(): number {
    return bytesInUse(this.#storage, this.keyPrefix);
  }

  #load(): PersistedState {
    const storage = this.#storage;
    let loaded: ReturnType<typeof readState>;
    try {
      loaded = readState(storage, this.#keys);
    } catch (cause) {
      throw toStorageError(cause, storage, this.keyPrefix, `loading ${this.keyPrefix}*`);
    }
    if (loaded.headJson === null) {
      if (this.#headJson !== null) throw this.#lost();
      refuseLostStorage(this.nodeId, this.#usage);
    }
    sweepOrphans(storage, this.#keys, loaded.head);
    this.#head = loaded.head;
    this.#headJson = loaded.headJson;
    this.#log = StoredLog.from({ ...loaded.state, hardState: { ...loaded.state.hardState } });
    this.#loaded = true;
    return loaded.state;
  }

  #persist(batch: PersistBatch): void {
    const storage = this.#storage;
    const keys = this.#keys;
    this.#checkHead();
    const plan = planPersist(this.#log, ownHardState(batch));
    let writes: ReturnType<typeof planWrites>;
    try {
      writes = planWrites(this.#head, plan, keys, (key) => storage.getItem(key));
    } catch (cause) {
      throw toStorageError(cause, storage, this.keyPrefix, `planning a batch of ${this.keyPrefix}*`);
    }
    const headJson = encodeHead(writes.head);
    const written: string[] = [];
    try {
      for (const [key, value] of writes.records) {
        storage.setItem(key, value);
        written.push(key);
      }
      // The switch: before it the old state loads, after it the new one.
      storage.setItem(keys.head, headJson);
    } catch (cause) {
      removeAll(storage, written); // orphans either way; removed now to give back the room
      throw toStorageError(cause, storage, this.keyPrefix, `persisting a batch to ${this.keyPrefix}*`);
    }
    // Durable: only now does the in-memory shape follow.
    this.#head = writes.head;
    this.#headJson = headJson;
    this.#log.apply(plan);
    removeAll(storage, writes.removes);
    if (this.#usage && !this.#markedUsed) {
      this.#usage.markUsed();
      this.#markedUsed = true;
    }
  }

  /**
   * The head must be the one this handle wrote last: a head gone means the node's data was cleared
   * under it (another tab's `localStorage.clear()`, the user clearing site data); a different head
   * means another handle writes this node id, and planning against a stale head would corrupt the log.
   */
  #checkHead(): void {
    const stored = this.#storage.getItem(this.#keys.head);
    if (stored === this.#headJson) return;
    if (stored === null) throw this.#lost();
    throw new StorageCorruptError(
      this.#keys.head,
      `it changed under this handle: another tab or handle writes node ${this.nodeId}`,
    );
  }

  #lost(): StorageLostError {
    return new StorageLostError(
      this.nodeId,
      `the localStorage keys ${this.keyPrefix}* of node ${this.nodeId} were cleared while the node used them; rejoin under a new id`,
    );
  }

  /** Removes every record of `nodeId`, the head first (so an interrupted destroy loads as empty). */
  static destroy(
    nodeId: string,
    options: Pick<LocalStorageStorageOptions, 'namespace' | 'storage'> = {},
  ): void {
    const keys = new RecordKeys(nodePrefix(nodeId, options.namespace));
    const storage = options.storage ?? defaultStorage();
    storage.removeItem(keys.head);
    removeAll(storage, ownedKeys(storage, keys));
  }

  /** Whether `nodeId` has data here (a head). Writes nothing. */
  static hasData(
    nodeId: string,
    options: Pick<LocalStorageStorageOptions, 'namespace' | 'storage'> = {},
  ): boolean {
    const keys = new RecordKeys(nodePrefix(nodeId, options.namespace));
    return (options.storage ?? defaultStorage()).getItem(keys.head) !== null;
  }
}

/**
 * The batch with a copy of its hard state: `StoredLog` keeps the hard state it is given, and the
 * caller may change its object after `persist`.
 */
function ownHardState(batch: PersistBatch): PersistBatch {
  if (typeof batch !== 'object' || batch === null || !batch.hardState) return batch;
  return { ...batch, hardState: { ...batch.hardState } };
}

/** The keys of `storage` that have the shape of this node's records. */
function ownedKeys(storage: Storage, keys: RecordKeys): string[] {
  const out: string[] = [];
  for (let i = 0; i < storage.length; i++) {
    const key = storage.key(i);
    if (key !== null && keys.owns(key)) out.push(key);
  }
  return out;
}

/** Removes this node's records that `head` does not name: what a batch cut off before (or after) its switch left. */
function sweepOrphans(storage: Storage, keys: RecordKeys, head: Head): void {
  const live = new Set(liveKeys(head, keys));
  live.add(keys.head);
  try {
    removeAll(
      storage,
      ownedKeys(storage, keys).filter((key) => !live.has(key)),
    );
  } catch {
    // listing failed: the orphans stay until the next load, harmless (no head names them)
  }
}

/** Best effort: a key that cannot be removed is an orphan, swept by the next `load()`. */
function removeAll(storage: Storage, keys: readonly string[]): void {
  for (const key of keys) {
    try {
      storage.removeItem(key);
    } catch {
      // see above
    }
  }
}
