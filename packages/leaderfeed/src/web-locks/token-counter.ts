/**
 * The fencing-token counter of a `WebLocksLeaderFeed`. `next(floor)` is only ever called by the holder
 * of the feed's exclusive Web Lock, so no two calls overlap: it reads the counter, writes
 * `max(counter, floor) + 1` and resolves that value only once the write is committed.
 */
export interface TokenCounter {
  next(floor: number): Promise<number>;
  /** The committed value (0 if none). */
  read(): Promise<number>;
}

/** A counter in this process only: for tests, and pages that need no token across reloads. */
export class MemoryTokenCounter implements TokenCounter {
  private value = 0;

  async next(floor: number): Promise<number> {
    this.value = Math.max(this.value, floor) + 1;
    return this.value;
  }

  async read(): Promise<number> {
    return this.value;
  }
}

const STORE = 'counter';
const KEY = 'token';

function promised<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/**
 * The counter in IndexedDB (one database per feed name). Why a read-increment-write is safe here: the
 * caller holds the exclusive lock, and `next` resolves only on the transaction's `complete` event, when
 * the browser has committed it; the lock is released after that, so the next holder's transaction
 * starts after this one committed and reads its value. A holder that dies mid-transaction never led
 * under the value it did not commit. (localStorage gives no such guarantee across tabs: a renderer
 * caches the area and learns other tabs' writes asynchronously, in no order with the lock's grants.)
 */
export class IndexedDbTokenCounter implements TokenCounter {
  private db: Promise<IDBDatabase> | undefined;

  constructor(private readonly dbName: string) {}

  async next(floor: number): Promise<number> {
    const tx = (await this.open()).transaction(STORE, 'readwrite', { durability: 'strict' });
    const store = tx.objectStore(STORE);
    const committed = new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onabort = tx.onerror = () => reject(tx.error);
    });
    const current = ((await promised(store.get(KEY))) as number | undefined) ?? 0;
    const value = Math.max(current, floor) + 1;
    store.put(value, KEY);
    await committed;
    return value;
  }

  async read(): Promise<number> {
    const tx = (await this.open()).transaction(STORE, 'readonly');
    return ((await promised(tx.objectStore(STORE).get(KEY))) as number | undefined) ?? 0;
  }

  private open(): Promise<IDBDatabase> {
    this.db ??= new Promise((resolve, reject) => {
      const request = indexedDB.open(this.dbName, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    return this.db;
  }
}
