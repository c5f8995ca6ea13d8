import { ConfigurationError, StorageError } from '@webraft/core';
import type { AllDataStorage } from '../local-storage.js';
import { encodeOrFail, KeyExistsError } from './write-once.js';

const STORE = 'events';

export interface IndexedDbAllDataStorageOptions {
  /** The database name (one per node on an origin). */
  name: string;
  /** The IDBFactory; default the global `indexedDB`. */
  indexedDB?: IDBFactory;
}

function requestDone<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/**
 * An AllData storage in IndexedDB, for browser peers: one object store of events (their JSON) by key.
 * A put calls back once its transaction has completed with `durability: 'strict'` (flushed to disk
 * before `complete` fires).
 */
export class IndexedDbAllDataStorage implements AllDataStorage {
  readonly name: string;
  readonly #factory: IDBFactory;
  #db: Promise<IDBDatabase> | null = null;

  constructor(options: IndexedDbAllDataStorageOptions) {
    if (typeof options?.name !== 'string' || options.name === '')
      throw new ConfigurationError('IndexedDbAllDataStorage: name must be a non-empty string');
    const factory = options.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
    if (factory === undefined) throw new ConfigurationError('IndexedDbAllDataStorage: no indexedDB here');
    this.name = options.name;
    this.#factory = factory;
  }

  #open(): Promise<IDBDatabase> {
    this.#db ??= new Promise<IDBDatabase>((resolve, reject) => {
      const request = this.#factory.open(this.name, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () =>
        reject(new StorageError(`could not open IndexedDB ${this.name}`, 'IO', { cause: request.error }));
      request.onblocked = () =>
        reject(new StorageError(`IndexedDB ${this.name} is blocked by another connection`));
    });
    return this.#db;
  }

  put(key: string, event: unknown, callback: (error?: unknown) => void): void {
    const json = encodeOrFail(event, callback);
    if (json === undefined) return;
    this.#open().then(
      (db) => {
        const tx = db.transaction(STORE, 'readwrite', { durability: 'strict' });
        const store = tx.objectStore(STORE);
        let conflict = false;
        const existing = store.get(key);
        existing.onsuccess = () => {
          if (existing.result === undefined) store.put(json, key);
          else if (existing.result !== json) {
            conflict = true;
            tx.abort();
          }
        };
        tx.oncomplete = () => callback();
        tx.onabort = () =>
          callback(
            conflict
              ? new KeyExistsError(key)
              : new StorageError('IndexedDB put aborted', 'IO', { cause: tx.error }),
          );
      },
      (error: unknown) => callback(error),
    );
  }

  /** The event stored under `key`, or undefined. */
  async get(key: string): Promise<unknown> {
    const db = await this.#open();
    const json = await requestDone(
      db.transaction(STORE).objectStore(STORE).get(key) as IDBRequest<string | undefined>,
    );
    return json === undefined ? undefined : JSON.parse(json);
  }

  async keys(): Promise<string[]> {
    const db = await this.#open();
    return (await requestDone(db.transaction(STORE).objectStore(STORE).getAllKeys())) as string[];
  }

  close(): void {
    void this.#db?.then((db) => db.close());
    this.#db = null;
  }
}
