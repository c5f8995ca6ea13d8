import {
  ConfigurationError,
  type PersistBatch,
  type PersistedState,
  planPersist,
  type RaftStorage,
  refuseLostStorage,
  StorageError,
  StorageLostError,
  StoredLog,
  type UsageMarker,
} from '@webraft/core';
import { Connection, openDatabase } from './connection.js';
import { databaseName } from './database-name.js';
import { decodeStore, readStore } from './read-store.js';
import { ALL_STORES, DEFAULT_SNAPSHOT_CHUNK_CHARS } from './schema.js';
import { SegmentLayout } from './segments.js';
import { encodeSnapshotData } from './snapshot-chunks.js';
import { toStorageError } from './storage-errors.js';
import type { Durability } from './transaction.js';
import { writeBatch } from './write-batch.js';

export interface IndexedDbStorageOptions {
  /** Keeps apps (or clusters) of one origin apart: the database is `webraft/<namespace>/<nodeId>`. */
  namespace?: string;
  /**
   * The durability hint of every write transaction. `'strict'` (the default) makes `complete`, and so
   * an acknowledgement, wait until the browser flushed the write to disk; `'relaxed'` is faster but a
   * power loss or OS crash can lose acknowledged entries (README, Durability).
   */
  durability?: Durability;
  /** Snapshot data is stored as JSON in chunks of at most this many characters (default 1 Mi). */
  snapshotChunkChars?: number;
  /** Whether this node id wrote data before, kept outside the database (`@webraft/tab`'s identity). */
  usage?: UsageMarker;
  /** The IndexedDB factory (default: the global `indexedDB`): a worker's, or `fake-indexeddb`'s. */
  indexedDB?: IDBFactory;
}

const DURABILITIES: ReadonlySet<unknown> = new Set(['strict', 'relaxed', 'default']);

/**
 * Durable storage of one node in IndexedDB (README.md beside this file): a database per node id, each
 * `persist(batch)` one transaction that resolves on `complete`, `load()` in one transaction.
 */
export class IndexedDbStorage implements RaftStorage {
  readonly nodeId: string;
  /** The database that holds this node's data. */
  readonly databaseName: string;
  readonly #durability: Durability;
  readonly #chunkChars: number;
  readonly #usage: UsageMarker | undefined;
  readonly #connection: Connection;
  #log = StoredLog.empty();
  #segments = new SegmentLayout();
  #loaded = false;
  #closed = false;
  /** This handle saw data in the database: finding it empty later means it was deleted under us. */
  #hadData = false;
  #markedUsed = false;

  constructor(nodeId: string, options: IndexedDbStorageOptions = {}) {
    this.databaseName = databaseName(nodeId, options.namespace);
    this.nodeId = nodeId;
    const durability = options.durability ?? 'strict';
    if (!DURABILITIES.has(durability)) {
      throw new ConfigurationError(
        `IndexedDbStorage: durability must be strict, relaxed or default, got ${String(durability)}`,
      );
    }
    const chunkChars = options.snapshotChunkChars ?? DEFAULT_SNAPSHOT_CHUNK_CHARS;
    if (!Number.isSafeInteger(chunkChars) || chunkChars < 1) {
      throw new ConfigurationError('IndexedDbStorage: snapshotChunkChars must be a positive integer');
    }
    this.#durability = durability;
    this.#chunkChars = chunkChars;
    this.#usage = options.usage;
    this.#connection = new Connection(factoryOf(options), this.databaseName);
  }

  /** Reads everything in one transaction; opens the database (creating it empty the first time). */
  async load(): Promise<PersistedState> {
    this.#closed = false;
    const raw = await this.#withConnection(`loading ${this.databaseName}`, false, readStore);
    const { state, segmentStarts } = decodeStore(raw, this.databaseName);
    const log = StoredLog.from(state);
    if (log.isEmpty) {
      if (this.#hadData) throw this.#lost('is empty');
      refuseLostStorage(this.nodeId, this.#usage);
    } else this.#hadData = true;
    this.#log = log;
    this.#segments = new SegmentLayout(segmentStarts);
    this.#loaded = true;
    return state;
  }

  async persist(batch: PersistBatch): Promise<void> {
    if (this.#closed) throw new StorageError(`the storage of ${this.nodeId} is closed`, 'CLOSED');
    if (!this.#loaded) await this.load();
    const plan = planPersist(this.#log, batch);
    const chunks = plan.snapshot ? encodeSnapshotData(plan.snapshot.data, this.#chunkChars) : null;
    const writes = this.#segments.plan(plan, this.#log.lastIndex);
    await this.#withConnection(`persisting a batch to ${this.databaseName}`, true, (db) =>
      writeBatch(db, this.#durability, plan, writes, chunks, this.databaseName),
    );
    // Durable: only now does the in-memory shape follow.
    this.#log.apply(plan);
    this.#segments.apply(writes);
    if (!this.#log.isEmpty) this.#hadData = true;
    if (this.#usage && !this.#markedUsed) {
      this.#usage.markUsed();
      this.#markedUsed = true;
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#loaded = false;
    this.#connection.close();
  }

  /**
   * Runs `call` on the connection. A connection that closed under the call (the browser closed it, or
   * another tab's `versionchange`) is opened again and the call retried once: an aborted transaction
   * wrote nothing, so a retry cannot write twice. `mustExist`: the database was opened before, and
   * finding it gone means it was deleted while this node used it (`StorageLostError`).
   */
  async #withConnection<T>(
    what: string,
    mustExist: boolean,
    call: (db: IDBDatabase) => Promise<T>,
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      let db: IDBDatabase | null;
      try {
        db = await this.#connection.get(mustExist);
      } catch (cause) {
        throw await toStorageError(cause, `${what} (opening the database)`);
      }
      if (!db) throw this.#lost('was deleted');
      try {
        return await call(db);
      } catch (cause) {
        const error = this.#connection.isGone(db)
          ? new StorageError(`${what}: the connection closed before the transaction completed`, 'CLOSED', {
              cause,
            })
          : await toStorageError(cause, what);
        if (error.code === 'CLOSED') this.#connection.drop(db);
        if (error.code === 'CLOSED' && attempt === 0) continue;
        throw error;
      }
    }
  }

  #lost(how: string): StorageLostError {
    return new StorageLostError(
      this.nodeId,
      `the IndexedDB database ${this.databaseName} of node ${this.nodeId} ${how} while the node used it; rejoin under a new id`,
    );
  }

  /**
   * Deletes the database of `nodeId`. Open connections of this package (in any tab) close on the
   * `versionchange` this causes, so the delete goes ahead; a running node then fails with
   * `StorageLostError` at its next write. Resolves once the database is gone.
   */
  static destroy(
    nodeId: string,
    options: Pick<IndexedDbStorageOptions, 'namespace' | 'indexedDB'> = {},
  ): Promise<void> {
    const name = databaseName(nodeId, options.namespace);
    const factory = factoryOf(options);
    return new Promise((resolve, reject) => {
      const request = factory.deleteDatabase(name);
      request.onsuccess = () => resolve();
      request.onerror = () =>
        void toStorageError(request.error, `deleting IndexedDB database ${name}`).then(reject, reject);
    });
  }

  /**
   * Whether `nodeId` has data here (any stored record). Creates nothing, so it serves to list the
   * identities a tab may adopt (`@webraft/tab`'s `listIdentities`).
   */
  static async hasData(
    nodeId: string,
    options: Pick<IndexedDbStorageOptions, 'namespace' | 'indexedDB'> = {},
  ): Promise<boolean> {
    const name = databaseName(nodeId, options.namespace);
    let db: IDBDatabase | null;
    try {
      db = await openDatabase(factoryOf(options), name, { mustExist: true });
    } catch (cause) {
      throw await toStorageError(cause, `looking into IndexedDB database ${name}`);
    }
    if (!db) return false;
    try {
      const stores = ALL_STORES.filter((store) => db.objectStoreNames.contains(store));
      if (stores.length === 0) return false;
      const tx = db.transaction(stores, 'readonly');
      const counts = await Promise.all(
        stores.map(
          (store) =>
            new Promise<number>((resolve, reject) => {
              const request = tx.objectStore(store).count();
              request.onsuccess = () => resolve(request.result);
              request.onerror = () => reject(request.error);
            }),
        ),
      );
      return counts.some((n) => n > 0);
    } catch (cause) {
      throw await toStorageError(cause, `looking into IndexedDB database ${name}`);
    } finally {
      db.close();
    }
  }
}

function factoryOf(options: { indexedDB?: IDBFactory }): IDBFactory {
  const factory = options.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (!factory) {
    throw new ConfigurationError(
      'IndexedDbStorage: there is no IndexedDB here (pass options.indexedDB, e.g. fake-indexeddb in Node)',
    );
  }
  return factory;
}
