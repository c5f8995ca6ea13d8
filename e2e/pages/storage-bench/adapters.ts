/**
 * The storage adapters the browser benchmark measures (bench/browser/storage.ts), each beside its raw
 * floor: the platform's bare write of one entry, measured in the same page and run. To add an adapter,
 * add an entry here and its name to `STORAGE_ADAPTERS` in bench/browser/storage.ts.
 */
import type { Entry, RaftStorage } from '@webraft/core';
import { IndexedDbStorage } from '@webraft/storage-indexeddb';

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

export const ADAPTERS: Record<string, BenchAdapter> = {
  indexeddb: {
    make: (id, namespace) => new IndexedDbStorage(id, { namespace }),
    destroy: (id, namespace) => IndexedDbStorage.destroy(id, { namespace }),
    raw: rawIndexedDb,
    destroyRaw: async (name) => {
      await request(indexedDB.deleteDatabase(name) as unknown as IDBRequest<unknown>);
    },
  },
};
