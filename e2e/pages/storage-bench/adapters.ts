/**
 * The storage adapters the browser benchmark measures (bench/browser/storage.ts), each beside its raw
 * floor: the platform's bare write of one entry, measured in the same page and run. To add an adapter,
 * add an entry here and its name to `STORAGE_ADAPTERS` in bench/browser/storage.ts.
 */
import type { Entry, RaftStorage } from '@webraft/core';
import { IndexedDbStorage } from '@webraft/storage-indexeddb';
import { LocalStorageStorage } from '@webraft/storage-localstorage';

/** The platform's own write, with no adapter logic: the floor. */
export interface RawWriter {
  /** Writes one entry durably (as the adapter would: same durability), resolved when done. */
  write(entry: Entry): Promise<void>;
  close(): Promise<void>;
}

export interface BenchAdapter {
  /** A storage for node `id`, its data under `namespace` (the bench destroys it after). */
  make(id: string, namespace: string): RaftStorage;
  destroy(id: string, namespace: string): Promise<void>;
  /** A raw writer on a scratch store named `name`, and how to remove that store after. */
  raw(name: string): Promise<RawWriter>;
  destroyRaw(name: string): Promise<void>;
}

const request = <T>(req: IDBRequest<T>) =>
  new Promise<T>((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });

/** One bare IndexedDB put per transaction (strict durability, as IndexedDbStorage's default), resolved on complete. */
async function rawIndexedDb(name: string): Promise<RawWriter> {
  const open = indexedDB.open(name, 1);
  open.onupgradeneeded = () => open.result.createObjectStore('raw');
  const db = await request(open);
  return {
    write: (entry) =>
      new Promise<void>((resolve, reject) => {
        const tx = db.transaction('raw', 'readwrite', { durability: 'strict' });
        tx.objectStore('raw').put(entry, entry.index);
        tx.oncomplete = () => resolve();
        tx.onabort = () => reject(tx.error);
      }),
    close: async () => db.close(),
  };
}

/** One bare `setItem` of the entry's JSON under a key of its own: what LocalStorageStorage does at the least. */
async function rawLocalStorage(name: string): Promise<RawWriter> {
  return {
    write: (entry) => {
      localStorage.setItem(`${name}/${entry.index}`, JSON.stringify(entry));
      return Promise.resolve();
    },
    close: async () => undefined,
  };
}

export const ADAPTERS: Record<string, BenchAdapter> = {
  indexeddb: {
    make: (id, namespace) => new IndexedDbStorage(id, { namespace }),
    destroy: (id, namespace) => IndexedDbStorage.destroy(id, { namespace }),
    raw: rawIndexedDb,
    destroyRaw: async (name) => {
      await request(indexedDB.deleteDatabase(name) as unknown as IDBRequest<unknown>);
    },
  },
  localstorage: {
    make: (id, namespace) => new LocalStorageStorage(id, { namespace }),
    destroy: async (id, namespace) => LocalStorageStorage.destroy(id, { namespace }),
    raw: rawLocalStorage,
    destroyRaw: async (name) => {
      const keys = Array.from({ length: localStorage.length }, (_, i) => localStorage.key(i) as string);
      for (const key of keys) if (key.startsWith(`${name}/`)) localStorage.removeItem(key);
    },
  },
};
