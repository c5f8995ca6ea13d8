import { describe, expect, it } from 'vitest';
import { StorageError } from '../../src/errors.js';
import type { Entry, HardState, Snapshot } from '../../src/protocol/types.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import { runStorageTests } from '../../src/testing/storage-conformance.js';

// One durable store per name; every call opens a new handle on it (a restart).
const stores = new Map<string, MemoryStorage>();
runStorageTests(
  (name) => {
    const existing = stores.get(name);
    const handle = existing ? existing.reopen() : new MemoryStorage();
    stores.set(name, handle);
    return handle;
  },
  { describe, it },
  { title: 'MemoryStorage conformance', destroyStore: (name) => void stores.delete(name) },
);

const entries = (from: number, to: number, term: number): Entry[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ({
    index: from + i,
    term,
    kind: 'command',
    data: from + i,
  }));
const snap = (index: number, term: number): Snapshot => ({
  meta: { index, term, config: { voters: ['a'], learners: [] } },
  data: null,
});
const hs = (term: number, vote: string | null, commit: number): HardState => ({ term, vote, commit });

async function refused(
  storage: MemoryStorage,
  batch: Parameters<MemoryStorage['persist']>[0],
  match: RegExp,
) {
  const before = await storage.load();
  const error = await storage.persist(batch).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(StorageError);
  expect((error as StorageError).code).toBe('INVALID_BATCH');
  expect((error as Error).message).toMatch(match);
  expect(await storage.load()).toEqual(before);
}

describe('MemoryStorage', () => {
  it('exposes the shape of the log', async () => {
    const storage = new MemoryStorage();
    expect([storage.firstIndex, storage.lastIndex, storage.entryCount, storage.snapshotIndex]).toEqual([
      1, 0, 0, 0,
    ]);
    await storage.persist({ entries: entries(1, 10, 1), hardState: hs(1, 'a', 4) });
    await storage.persist({ compaction: snap(4, 1) });
    expect([storage.firstIndex, storage.lastIndex, storage.entryCount, storage.snapshotIndex]).toEqual([
      5, 10, 6, 4,
    ]);
    expect([storage.snapshotTerm, storage.persistCount]).toEqual([1, 2]);
    expect(storage.hardState).toEqual(hs(1, 'a', 4));
    const again = storage.reopen();
    expect([again.lastIndex, again.persistCount]).toEqual([10, 0]);
  });

  it('guards Raft durable invariants', async () => {
    const storage = new MemoryStorage();
    await storage.persist({ entries: entries(1, 5, 2), hardState: hs(2, 'a', 3) });
    await refused(storage, { hardState: hs(1, null, 3) }, /term goes back/);
    await refused(storage, { hardState: hs(2, 'b', 3) }, /vote in term 2 changes/);
    await refused(storage, { hardState: hs(3, null, 6) }, /commit 6 lies beyond/);
    await refused(storage, { entries: entries(2, 2, 3) }, /commit 3 lies beyond/); // truncates committed entries
    await refused(storage, { entries: entries(6, 6, 1) }, /below the term/);
    await refused(storage, { compaction: snap(3, 1) }, /has term 1 but the entry there has term 2/);
    await storage.persist({ compaction: snap(3, 2) });
    await refused(storage, { compaction: snap(2, 2) }, /behind the snapshot/);
    await refused(storage, { snapshot: snap(1, 2) }, /behind the stored snapshot/);
    await refused(
      storage,
      { entries: [{ index: 6, term: 2, kind: 'command', data: () => 1 }] },
      /not cloneable/,
    );
    // Still usable: a vote in a new term, then a new leader's entries replacing an uncommitted suffix.
    await storage.persist({ hardState: hs(3, 'b', 3) });
    await storage.persist({ entries: entries(5, 6, 3) });
    expect((await storage.load()).entries.map((e) => [e.index, e.term])).toEqual([
      [4, 2],
      [5, 3],
      [6, 3],
    ]);
  });

  it('refuses writes after close until load() opens it again; injected failures write nothing', async () => {
    const storage = new MemoryStorage();
    storage.failNextPersist();
    await expect(storage.persist({ hardState: hs(1, null, 0) })).rejects.toMatchObject({ code: 'IO' });
    expect(storage.hardState).toEqual(hs(0, null, 0));
    await storage.persist({ hardState: hs(1, null, 0) });
    await storage.close();
    expect(storage.closed).toBe(true);
    await expect(storage.persist({ hardState: hs(2, null, 0) })).rejects.toMatchObject({ code: 'CLOSED' });
    expect(storage.hardState).toEqual(hs(1, null, 0));
    expect(await storage.reopen().load()).toMatchObject({ hardState: hs(1, null, 0) });
    expect(await storage.load()).toMatchObject({ hardState: hs(1, null, 0) });
    expect(storage.closed).toBe(false);
  });
});
