import { ALL_STORES } from './schema.js';

/** IndexedDB's durability hint for a readwrite transaction (IDBTransactionDurability). */
export type Durability = 'strict' | 'relaxed' | 'default';

/** Aborts the transaction from a request callback; `runTransaction` rejects with `reason`. */
export type Fail = (reason: unknown) => void;

/**
 * Runs `body` in one transaction over every store, and settles on the transaction's own events: it
 * resolves on `complete` (what is written is durable to the degree `durability` asks), never when a
 * request succeeds, and rejects on `abort` with what aborted it: the error `body` or a request callback
 * reported through `fail`, else the transaction's error (a quota, a failed request, a closed
 * connection). The rejection is the raw cause: the caller maps it to a `StorageError`.
 */
export function runTransaction(
  db: IDBDatabase,
  mode: IDBTransactionMode,
  durability: Durability,
  body: (tx: IDBTransaction, fail: Fail) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let tx: IDBTransaction;
    try {
      tx = db.transaction(ALL_STORES, mode, { durability });
    } catch (error) {
      reject(error); // InvalidStateError: the connection is closing or closed
      return;
    }
    let failure: unknown;
    let failed = false;
    const fail: Fail = (reason) => {
      if (failed) return;
      failed = true;
      failure = reason;
      try {
        tx.abort();
      } catch {
        // already finished or aborting: `onabort` still reports `failure`
      }
    };
    tx.oncomplete = () => resolve();
    tx.onabort = () =>
      reject(failed ? failure : (tx.error ?? new DOMException('transaction aborted', 'AbortError')));
    try {
      body(tx, fail);
    } catch (error) {
      fail(error);
    }
  });
}

/** Calls `done` with each request's result once all of them have succeeded (a failed one aborts the transaction). */
export function whenAll(requests: IDBRequest[], fail: Fail, done: (results: unknown[]) => void): void {
  let pending = requests.length;
  const finish = () => {
    try {
      done(requests.map((r) => r.result));
    } catch (error) {
      fail(error);
    }
  };
  if (pending === 0) {
    finish();
    return;
  }
  for (const request of requests) {
    request.onsuccess = () => {
      if (--pending === 0) finish();
    };
  }
}
