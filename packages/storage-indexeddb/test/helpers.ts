import { IndexedDbStorage } from '../src/index.js';

let counter = 0;

/** A node id no other test uses (fake-indexeddb's databases live as long as the test file's process). */
export const freshId = (label: string): string =>
  `${label}-${counter++}-${Math.random().toString(36).slice(2, 8)}`;

export { testEntries as range, testEntry as entry, testSnapshot as snapshot } from '@webraft/core/testing';

/** A loaded storage handle on a fresh database. */
export async function freshStorage(label: string): Promise<IndexedDbStorage> {
  const storage = new IndexedDbStorage(freshId(label));
  await storage.load();
  return storage;
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/** A second, raw connection to a node's database: for looking at and garbling its records. */
export async function rawDatabase(name: string): Promise<IDBDatabase> {
  return request(indexedDB.open(name));
}

/** The keys of one store, in order. */
export async function storeKeys(name: string, store: string): Promise<IDBValidKey[]> {
  const db = await rawDatabase(name);
  try {
    return await request(db.transaction(store).objectStore(store).getAllKeys());
  } finally {
    db.close();
  }
}

/** Writes `value` under `key` in `store`, bypassing the adapter (hostile data). */
export async function writeRaw(name: string, store: string, key: IDBValidKey, value: unknown): Promise<void> {
  const db = await rawDatabase(name);
  try {
    const tx = db.transaction(store, 'readwrite');
    tx.objectStore(store).put(value, key);
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}
