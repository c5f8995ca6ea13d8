import { StorageError } from '@webraft/core';
import { ALL_STORES, createStores, SCHEMA_VERSION } from './schema.js';

/**
 * Opens `name`. With `mustExist`, a database that does not exist is not created: the upgrade is aborted
 * and the result is null (a node's database deleted under it, or `hasData` of an unknown id).
 * `version` undefined opens whatever version exists (only with `mustExist`: it creates nothing).
 *
 * `blocked` (a connection of another tab keeps an upgrade waiting) rejects at once with `BLOCKED`, a
 * transient error the runtime retries; should the open still succeed later, that connection is closed.
 */
export function openDatabase(
  factory: IDBFactory,
  name: string,
  options: { mustExist: boolean; version?: number },
): Promise<IDBDatabase | null> {
  return new Promise((resolve, reject) => {
    let request: IDBOpenDBRequest;
    try {
      request = options.version === undefined ? factory.open(name) : factory.open(name, options.version);
    } catch (error) {
      reject(error);
      return;
    }
    let settled = false;
    let missing = false;
    request.onupgradeneeded = (event) => {
      if (options.mustExist && event.oldVersion === 0) {
        missing = true;
        request.transaction?.abort();
        return;
      }
      createStores(request.result);
    };
    request.onsuccess = () => {
      if (settled) request.result.close();
      else {
        settled = true;
        resolve(request.result);
      }
    };
    request.onerror = (event) => {
      event.preventDefault?.();
      if (settled) return;
      settled = true;
      if (missing) resolve(null);
      else reject(request.error);
    };
    request.onblocked = () => {
      if (settled) return;
      settled = true;
      reject(
        new StorageError(
          `opening IndexedDB database ${name} is blocked: another tab holds an older connection open`,
          'BLOCKED',
        ),
      );
    };
  });
}

/**
 * The connection of one storage handle to its database, opened on first use and again after it
 * closed. It lets other tabs proceed: on `versionchange` (another tab deletes the database, or a newer
 * version upgrades it) it closes at once; a transaction already running still completes. On `close`
 * (the browser closed it: site data cleared, a disk failure) it is dropped. Either way the next call
 * opens again.
 */
export class Connection {
  #db: IDBDatabase | null = null;

  constructor(
    private readonly factory: IDBFactory,
    readonly name: string,
  ) {}

  /** The open connection, opening it if needed; null when `mustExist` and the database is gone. */
  async get(mustExist: boolean): Promise<IDBDatabase | null> {
    if (this.#db) return this.#db;
    const db = await openDatabase(this.factory, this.name, { mustExist, version: SCHEMA_VERSION });
    if (!db) return null;
    db.onversionchange = () => this.drop(db);
    db.onclose = () => this.drop(db);
    this.#db = db;
    return db;
  }

  /**
   * True when `db` closed under a running call. A forced close (the browser's) aborts the running
   * transactions before its `close` event arrives, so the connection is also probed: a closing one
   * refuses to start a transaction.
   */
  isGone(db: IDBDatabase): boolean {
    if (this.#db !== db) return true;
    try {
      db.transaction(ALL_STORES, 'readonly').abort();
      return false;
    } catch {
      return true;
    }
  }

  /** Closes `db` (if still open) and forgets it: the next `get` opens a new connection. */
  drop(db: IDBDatabase): void {
    if (this.#db === db) this.#db = null;
    db.close();
  }

  close(): void {
    if (this.#db) this.drop(this.#db);
  }
}
