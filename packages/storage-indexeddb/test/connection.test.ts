import 'fake-indexeddb/auto';
import { ConfigurationError, StorageError, StorageLostError, type UsageMarker } from '@webraft/core';
import { forceCloseDatabase } from 'fake-indexeddb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '../src/connection.js';
import { IndexedDbStorage } from '../src/index.js';
import { toStorageError } from '../src/storage-errors.js';
import { freshId, range, rawDatabase } from './helpers.js';

/** The global factory, recording every connection the adapter opens (to close one under it). */
function recordingFactory(): { factory: IDBFactory; opened: IDBDatabase[] } {
  const opened: IDBDatabase[] = [];
  const factory = {
    open(name: string, version?: number) {
      const request = version === undefined ? indexedDB.open(name) : indexedDB.open(name, version);
      request.addEventListener('success', () => opened.push(request.result));
      return request;
    },
    deleteDatabase: (name: string) => indexedDB.deleteDatabase(name),
    databases: () => indexedDB.databases(),
    cmp: (a: unknown, b: unknown) => indexedDB.cmp(a, b),
  } as IDBFactory;
  return { factory, opened };
}

/**
 * Makes `db`'s next transaction lose its connection right after it was created, as a forced close does
 * (site data cleared, a disk failure): the running transaction aborts, then the connection closes.
 * fake-indexeddb's forced close waits for running transactions instead, so the abort is done here.
 */
function closeUnderNextTransaction(db: IDBDatabase): void {
  const original = db.transaction.bind(db);
  db.transaction = ((...args: Parameters<IDBDatabase['transaction']>) => {
    db.transaction = original;
    const tx = original(...args);
    forceCloseDatabase(db);
    tx.abort();
    return tx;
  }) as IDBDatabase['transaction'];
}

const databaseNames = async () => (await indexedDB.databases()).map((d) => d.name);

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('connection handling', () => {
  it('every write transaction asks for the durability given (strict by default)', async () => {
    for (const durability of [undefined, 'relaxed', 'default'] as const) {
      const { factory, opened } = recordingFactory();
      const storage = new IndexedDbStorage(freshId('durability'), { indexedDB: factory, durability });
      await storage.load();
      const asked: unknown[] = [];
      const db = opened[0]!;
      const original = db.transaction.bind(db);
      db.transaction = ((stores: string[], mode: IDBTransactionMode, options?: IDBTransactionOptions) => {
        if (mode === 'readwrite') asked.push(options?.durability);
        return original(stores, mode, options);
      }) as IDBDatabase['transaction'];
      await storage.persist({ entries: range(1, 2, 1) });
      expect(asked).toEqual([durability ?? 'strict']);
      await storage.close();
    }
  });

  it('a connection closed by the browser between batches is opened again', async () => {
    const { factory, opened } = recordingFactory();
    const storage = new IndexedDbStorage(freshId('closed-between'), { indexedDB: factory });
    await storage.load();
    await storage.persist({ entries: range(1, 2, 1) });
    forceCloseDatabase(opened[0]!);
    await storage.persist({ entries: range(3, 4, 1) });
    expect(opened).toHaveLength(2);
    expect((await new IndexedDbStorage(storage.nodeId).load()).entries).toEqual(range(1, 4, 1));
  });

  it('a connection closed under a running transaction: reopened, the batch retried once and written once', async () => {
    const { factory, opened } = recordingFactory();
    const storage = new IndexedDbStorage(freshId('closed-during'), { indexedDB: factory });
    await storage.load();
    await storage.persist({ entries: range(1, 2, 1) });
    closeUnderNextTransaction(opened[0]!);
    await storage.persist({ entries: range(3, 4, 1), hardState: { term: 1, vote: 'a', commit: 0 } });
    expect(opened).toHaveLength(2);
    const state = await new IndexedDbStorage(storage.nodeId).load();
    expect(state.entries).toEqual(range(1, 4, 1));
    expect(state.hardState).toEqual({ term: 1, vote: 'a', commit: 0 });
  });

  it('closed under the retry too: the batch rejects with CLOSED (transient), is not acknowledged, and nothing of it is stored', async () => {
    const { factory, opened } = recordingFactory();
    const storage = new IndexedDbStorage(freshId('closed-twice'), { indexedDB: factory });
    await storage.load();
    await storage.persist({ entries: range(1, 2, 1) });
    closeUnderNextTransaction(opened[0]!);
    const reopen = factory.open.bind(factory);
    factory.open = (name: string, version?: number) => {
      const request = reopen(name, version);
      request.addEventListener('success', () => closeUnderNextTransaction(request.result));
      return request;
    };
    const error = await storage.persist({ entries: range(3, 4, 1) }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ code: 'CLOSED', fatal: false });
    expect((await new IndexedDbStorage(storage.nodeId).load()).entries).toEqual(range(1, 2, 1));
    // The same handle goes on once the connection holds (the runtime retries after a transient error).
    factory.open = reopen;
    await storage.persist({ entries: range(3, 3, 1) });
    expect((await new IndexedDbStorage(storage.nodeId).load()).entries).toEqual(range(1, 3, 1));
  });

  it('another tab deleting the database: the open handle lets it proceed (versionchange) and fails LOST on its next write', async () => {
    const storage = new IndexedDbStorage(freshId('deleted'));
    await storage.load();
    await storage.persist({ entries: range(1, 2, 1), hardState: { term: 1, vote: 'a', commit: 0 } });
    await IndexedDbStorage.destroy(storage.nodeId);
    expect(await databaseNames()).not.toContain(storage.databaseName);
    await expect(storage.persist({ entries: range(3, 3, 1) })).rejects.toBeInstanceOf(StorageLostError);
    // It did not create an empty database in its place, and a reload finds it empty: LOST again.
    expect(await databaseNames()).not.toContain(storage.databaseName);
    await expect(storage.load()).rejects.toMatchObject({ code: 'LOST', nodeId: storage.nodeId });
  });

  it('an open blocked by an older connection rejects BLOCKED at once; the late success is closed', async () => {
    const name = `webraft/${freshId('blocked')}`;
    const old = await rawDatabase(name); // version 1, and it ignores versionchange
    const error = await openDatabase(indexedDB, name, { mustExist: false, version: 2 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'BLOCKED', fatal: false });
    old.close(); // the upgrade proceeds now; its connection must not be left open
    await new Promise<void>((resolve, reject) => {
      const request = indexedDB.deleteDatabase(name);
      request.onblocked = () => reject(new Error('a connection was left open'));
      request.onsuccess = () => resolve();
    });
  });
});

describe('usage marker', () => {
  const marker = (used: boolean) => {
    const calls: string[] = [];
    const usage: UsageMarker = {
      wasUsed: () => used,
      markUsed: () => calls.push('markUsed'),
    };
    return { usage, calls };
  };

  it('markUsed() once, after the first batch is durable', async () => {
    const { usage, calls } = marker(false);
    const storage = new IndexedDbStorage(freshId('mark'), { usage });
    await storage.load();
    expect(calls).toEqual([]);
    await expect(storage.persist({ entries: [{ index: 2, term: 1, kind: 'noop' }] })).rejects.toMatchObject({
      code: 'INVALID_BATCH',
    });
    expect(calls).toEqual([]);
    await storage.persist({ entries: range(1, 1, 1) });
    await storage.persist({ entries: range(2, 2, 1) });
    expect(calls).toEqual(['markUsed']);
  });

  it('an empty store under an id that was used fails with StorageLostError, and a fresh id loads empty', async () => {
    await expect(
      new IndexedDbStorage(freshId('lost'), { usage: marker(true).usage }).load(),
    ).rejects.toBeInstanceOf(StorageLostError);
    expect(
      (await new IndexedDbStorage(freshId('new'), { usage: marker(false).usage }).load()).entries,
    ).toEqual([]);
  });
});

describe('names, hasData and destroy', () => {
  it('each node id and namespace has its own database; neither sees the other', async () => {
    const id = freshId('shared/id');
    const a = new IndexedDbStorage(id, { namespace: 'app-a' });
    const b = new IndexedDbStorage(id, { namespace: 'app-b' });
    const plain = new IndexedDbStorage(id);
    expect(new Set([a.databaseName, b.databaseName, plain.databaseName]).size).toBe(3);
    expect(a.databaseName).toBe(`webraft/app-a/${encodeURIComponent(id)}`);
    await a.persist({ entries: range(1, 3, 1) });
    await b.persist({ entries: range(1, 1, 7) });
    expect((await new IndexedDbStorage(id, { namespace: 'app-a' }).load()).entries).toEqual(range(1, 3, 1));
    expect((await new IndexedDbStorage(id, { namespace: 'app-b' }).load()).entries).toEqual(range(1, 1, 7));
    expect((await plain.load()).entries).toEqual([]);
  });

  it('hasData: false for an unknown id (creating nothing) and for an empty store, true once written, false after destroy', async () => {
    const id = freshId('has');
    expect(await IndexedDbStorage.hasData(id)).toBe(false);
    expect(await databaseNames()).not.toContain(`webraft/${id}`);
    const storage = new IndexedDbStorage(id);
    await storage.load();
    expect(await IndexedDbStorage.hasData(id)).toBe(false);
    await storage.persist({ hardState: { term: 1, vote: null, commit: 0 } });
    expect(await IndexedDbStorage.hasData(id)).toBe(true);
    expect(await IndexedDbStorage.hasData(id, { namespace: 'other' })).toBe(false);
    await storage.close();
    await IndexedDbStorage.destroy(id);
    expect(await IndexedDbStorage.hasData(id)).toBe(false);
  });

  it('bad options throw ConfigurationError', () => {
    expect(() => new IndexedDbStorage('')).toThrow(ConfigurationError);
    expect(() => new IndexedDbStorage('a', { namespace: '' })).toThrow(ConfigurationError);
    expect(() => new IndexedDbStorage('a', { durability: 'fast' as 'strict' })).toThrow(ConfigurationError);
    expect(() => new IndexedDbStorage('a', { snapshotChunkChars: 0 })).toThrow(ConfigurationError);
  });
});

describe('errors', () => {
  it('a value IndexedDB cannot clone fails the batch INVALID_BATCH, writes nothing, and the handle goes on', async () => {
    const storage = new IndexedDbStorage(freshId('clone'));
    await storage.persist({ entries: range(1, 1, 1) });
    const bad = { index: 2, term: 1, kind: 'command' as const, data: { f: () => 1 } };
    await expect(
      storage.persist({ entries: [bad], hardState: { term: 1, vote: null, commit: 0 } }),
    ).rejects.toMatchObject({
      code: 'INVALID_BATCH',
    });
    await storage.persist({ entries: range(2, 2, 1) });
    const state = await new IndexedDbStorage(storage.nodeId).load();
    expect(state.entries).toEqual(range(1, 2, 1));
    expect(state.hardState.term).toBe(0);
  });

  it('QuotaExceededError becomes StorageQuotaError with the bytes in use from navigator.storage.estimate()', async () => {
    vi.stubGlobal('navigator', { storage: { estimate: async () => ({ usage: 1234, quota: 5000 }) } });
    const error = await toStorageError(new DOMException('full', 'QuotaExceededError'), 'persisting');
    expect(error).toMatchObject({
      name: 'StorageQuotaError',
      code: 'QUOTA',
      fatal: true,
      bytesInUse: 1234,
      quota: 5000,
    });
    vi.stubGlobal('navigator', undefined);
    expect(await toStorageError(new DOMException('full', 'QuotaExceededError'), 'persisting')).toMatchObject({
      code: 'QUOTA',
      bytesInUse: undefined,
    });
  });

  it('an abort for another reason is IO (transient); a newer schema is fatal', async () => {
    expect(await toStorageError(new DOMException('x', 'AbortError'), 'w')).toMatchObject({
      code: 'IO',
      fatal: false,
    });
    expect(await toStorageError(new DOMException('x', 'UnknownError'), 'w')).toMatchObject({
      code: 'IO',
      fatal: false,
    });
    expect(await toStorageError(new DOMException('x', 'VersionError'), 'w')).toMatchObject({
      code: 'IO',
      fatal: true,
    });
    expect(await toStorageError(new DOMException('x', 'InvalidStateError'), 'w')).toMatchObject({
      code: 'CLOSED',
    });
  });
});
