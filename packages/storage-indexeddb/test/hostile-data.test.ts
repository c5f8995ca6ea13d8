import 'fake-indexeddb/auto';
import { MemoryNetwork, RaftInterface, StorageCorruptError } from '@webraft/core';
import { describe, expect, it } from 'vitest';
import { IndexedDbStorage } from '../src/index.js';
import { entry, freshStorage, range, rawDatabase, snapshot, writeRaw } from './helpers.js';

/** A database holding a snapshot at 3, entries 4..9 in two segments (4, 7) and a hard state. */
async function populated(): Promise<IndexedDbStorage> {
  const storage = await freshStorage('hostile');
  await storage.persist({ entries: range(1, 6, 1) });
  await storage.persist({ entries: range(7, 9, 1), compaction: snapshot(3, 1, { big: 'x'.repeat(30) }) });
  await storage.persist({ hardState: { term: 1, vote: 'a', commit: 5 } });
  await storage.close();
  return storage;
}

/** load() of a new handle fails with StorageCorruptError naming `record`. */
async function expectCorrupt(storage: IndexedDbStorage, record: string): Promise<void> {
  const again = new IndexedDbStorage(storage.nodeId);
  const error = await again.load().then(
    () => null,
    (e: unknown) => e,
  );
  await again.close();
  expect(error).toBeInstanceOf(StorageCorruptError);
  expect((error as StorageCorruptError).code).toBe('CORRUPT');
  expect((error as StorageCorruptError).record).toBe(`${storage.databaseName}/${record}`);
}

async function deleteRaw(name: string, store: string, key: IDBValidKey): Promise<void> {
  const db = await rawDatabase(name);
  const tx = db.transaction(store, 'readwrite');
  tx.objectStore(store).delete(key);
  await new Promise((resolve) => {
    tx.oncomplete = resolve;
  });
  db.close();
}

describe('garbage written into the store: load() fails with StorageCorruptError naming the record', () => {
  const cases: [string, string, string, IDBValidKey, unknown][] = [
    ['a hard state that is a string', 'state/hardState', 'state', 'hardState', 'garbage'],
    [
      'a hard state with a negative term',
      'state/hardState',
      'state',
      'hardState',
      { term: -1, vote: null, commit: 0 },
    ],
    [
      'a hard state with a numeric vote',
      'state/hardState',
      'state',
      'hardState',
      { term: 1, vote: 7, commit: 0 },
    ],
    ['a snapshot record without meta', 'state/snapshot', 'state', 'snapshot', { chunks: 1 }],
    [
      'a snapshot record without a chunk count',
      'state/snapshot',
      'state',
      'snapshot',
      { meta: snapshot(3, 1).meta },
    ],
    ['a truncated snapshot chunk', 'snapshotChunks', 'snapshotChunks', 0, '{"big":"xx'],
    ['a snapshot chunk that is not a string', 'snapshotChunks/0', 'snapshotChunks', 0, { not: 'a string' }],
    ['an extra snapshot chunk', 'snapshotChunks', 'snapshotChunks', 1, 'more'],
    ['a segment that is a number', 'log/4', 'log', 4, 42],
    ['a segment without entries', 'log/4', 'log', 4, { entries: [] }],
    ['a segment stored under the wrong index', 'log/4', 'log', 4, { entries: range(5, 6, 1) }],
    ['a segment under a string key', 'log/x', 'log', 'x', { entries: range(10, 10, 1) }],
    [
      'an entry of an unknown kind',
      'entry 5',
      'log',
      4,
      { entries: [entry(4, 1), { index: 5, term: 1, kind: 'evil' }, entry(6, 1)] },
    ],
    [
      'an entry whose term goes back',
      'entry 7',
      'log',
      7,
      { entries: [entry(7, 0), entry(8, 1), entry(9, 1)] },
    ],
    ['a truncated segment (a gap after it)', 'log/7', 'log', 4, { entries: range(4, 5, 1) }],
  ];
  for (const [what, record, store, key, value] of cases) {
    it(what, async () => {
      const storage = await populated();
      await writeRaw(storage.databaseName, store, key, value);
      await expectCorrupt(storage, record);
    });
  }

  it('a missing segment (a gap in the log)', async () => {
    const storage = await populated();
    await deleteRaw(storage.databaseName, 'log', 4);
    await expectCorrupt(storage, 'log/7');
  });

  it('a missing snapshot chunk', async () => {
    const storage = await populated();
    await deleteRaw(storage.databaseName, 'snapshotChunks', 0);
    await expectCorrupt(storage, 'snapshotChunks');
  });

  it('a commit index beyond the stored log', async () => {
    const storage = await populated();
    await writeRaw(storage.databaseName, 'state', 'hardState', { term: 1, vote: 'a', commit: 50 });
    await expectCorrupt(storage, 'hardState');
  });

  it('a node over a corrupt store fails to start, saying which record; it never starts empty', async () => {
    const storage = await populated();
    await writeRaw(storage.databaseName, 'log', 7, 'garbage');
    const network = new MemoryNetwork();
    const node = new RaftInterface(storage.nodeId, {
      peers: [storage.nodeId],
      transport: network.transport(storage.nodeId),
      stateMachine: { apply: () => undefined, snapshot: () => null, restore: () => undefined },
      storage: new IndexedDbStorage(storage.nodeId),
    });
    await expect(node.start()).rejects.toMatchObject({
      code: 'CORRUPT',
      record: `${storage.databaseName}/log/7`,
    });
    expect(node.state).toBe('failed');
  });

  it('a garbled segment that a batch must cut fails that batch with CORRUPT and writes nothing', async () => {
    const storage = await freshStorage('cut-garbled');
    await storage.persist({ entries: range(1, 5, 1) });
    await writeRaw(storage.databaseName, 'log', 1, { entries: 'garbage' });
    await expect(
      storage.persist({ entries: range(3, 3, 2), hardState: { term: 2, vote: null, commit: 0 } }),
    ).rejects.toMatchObject({
      code: 'CORRUPT',
      record: `${storage.databaseName}/log/1`,
    });
    const db = await rawDatabase(storage.databaseName);
    const hardState = await new Promise((resolve) => {
      const request = db.transaction('state').objectStore('state').get('hardState');
      request.onsuccess = () => resolve(request.result);
    });
    db.close();
    expect(hardState).toBeUndefined();
  });
});
