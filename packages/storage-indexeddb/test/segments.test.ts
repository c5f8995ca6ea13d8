import 'fake-indexeddb/auto';
import { MemoryStorage, type PersistBatch, seededRandom } from '@webraft/core';
import { describe, expect, it } from 'vitest';
import { IndexedDbStorage, MAX_SEGMENT_ENTRIES } from '../src/index.js';
import { freshStorage, range, snapshot, storeKeys } from './helpers.js';

/** The stored segments' keys: where each segment starts. */
const segmentKeys = (storage: IndexedDbStorage) => storeKeys(storage.databaseName, 'log');

/** What a new handle on the same database loads (a restart). */
async function reloaded(storage: IndexedDbStorage) {
  const again = new IndexedDbStorage(storage.nodeId);
  try {
    return await again.load();
  } finally {
    await again.close();
  }
}

describe('segments: one record per batch, cut where a batch says', () => {
  it('stores each batch as one segment under the index of its first entry', async () => {
    const storage = await freshStorage('segments');
    await storage.persist({ entries: range(1, 3, 1) });
    await storage.persist({ entries: range(4, 6, 1) });
    await storage.persist({ entries: range(7, 7, 1) });
    expect(await segmentKeys(storage)).toEqual([1, 4, 7]);
    expect((await reloaded(storage)).entries).toEqual(range(1, 7, 1));
  });

  it('a conflicting suffix inside a segment keeps its head and drops every later segment', async () => {
    const storage = await freshStorage('suffix');
    for (const [from, to] of [
      [1, 3],
      [4, 6],
      [7, 9],
    ] as const)
      await storage.persist({ entries: range(from, to, 1) });
    await storage.persist({ entries: range(5, 6, 2) });
    expect(await segmentKeys(storage)).toEqual([1, 4, 5]);
    expect((await reloaded(storage)).entries).toEqual([...range(1, 4, 1), ...range(5, 6, 2)]);
    // At a segment's first entry: the segment goes whole.
    await storage.persist({ entries: range(4, 4, 3) });
    expect(await segmentKeys(storage)).toEqual([1, 4]);
    expect((await reloaded(storage)).entries).toEqual([...range(1, 3, 1), ...range(4, 4, 3)]);
  });

  it('a compaction inside a segment keeps its tail under the next index', async () => {
    const storage = await freshStorage('compaction');
    await storage.persist({ entries: range(1, 3, 1) });
    await storage.persist({ entries: range(4, 6, 1) });
    await storage.persist({ entries: range(7, 9, 1) });
    await storage.persist({ compaction: snapshot(5, 1) });
    expect(await segmentKeys(storage)).toEqual([6, 7]);
    const state = await reloaded(storage);
    expect(state.snapshot).toEqual(snapshot(5, 1));
    expect(state.entries).toEqual(range(6, 9, 1));
    // At a segment's last entry: nothing is rewritten.
    await storage.persist({ compaction: snapshot(6, 1) });
    expect(await segmentKeys(storage)).toEqual([7]);
    expect((await reloaded(storage)).entries).toEqual(range(7, 9, 1));
  });

  it('a suffix and a compaction that cut the same segment in one batch', async () => {
    const storage = await freshStorage('both');
    await storage.persist({ entries: range(1, 10, 1) });
    await storage.persist({ entries: range(8, 9, 2), compaction: snapshot(3, 1) });
    expect(await segmentKeys(storage)).toEqual([4, 8]);
    expect((await reloaded(storage)).entries).toEqual([...range(4, 7, 1), ...range(8, 9, 2)]);
    // The compaction passes the cut: what was kept of the cut segment goes too.
    await storage.persist({ entries: range(6, 9, 3), compaction: snapshot(7, 3) });
    expect(await segmentKeys(storage)).toEqual([8]);
    const state = await reloaded(storage);
    expect(state.snapshot?.meta).toEqual(snapshot(7, 3).meta);
    expect(state.entries).toEqual(range(8, 9, 3));
  });

  it(`a batch longer than ${MAX_SEGMENT_ENTRIES} entries is several segments, cut like any`, async () => {
    const storage = await freshStorage('long');
    const n = 2 * MAX_SEGMENT_ENTRIES + 100;
    await storage.persist({ entries: range(1, n, 1) });
    expect(await segmentKeys(storage)).toEqual([1, MAX_SEGMENT_ENTRIES + 1, 2 * MAX_SEGMENT_ENTRIES + 1]);
    const cut = MAX_SEGMENT_ENTRIES + 500;
    await storage.persist({ entries: range(cut, cut, 2), compaction: snapshot(10, 1) });
    expect(await segmentKeys(storage)).toEqual([11, MAX_SEGMENT_ENTRIES + 1, cut]);
    expect((await reloaded(storage)).entries).toEqual([...range(11, cut - 1, 1), ...range(cut, cut, 2)]);
  });

  it("a leader's snapshot drops every segment", async () => {
    const storage = await freshStorage('install');
    await storage.persist({ entries: range(1, 3, 1) });
    await storage.persist({ entries: range(4, 6, 1) });
    await storage.persist({ snapshot: snapshot(20, 2), entries: range(21, 22, 2) });
    expect(await segmentKeys(storage)).toEqual([21]);
    expect(await reloaded(storage)).toEqual({
      hardState: { term: 0, vote: null, commit: 0 },
      snapshot: snapshot(20, 2),
      entries: range(21, 22, 2),
    });
  });

  it('random appends, conflicting suffixes and compactions load what MemoryStorage holds', async () => {
    const seed = Number(process.env.SEED ?? Math.floor(Math.random() * 1e9));
    const random = seededRandom(seed);
    const storage = await freshStorage('random');
    const model = new MemoryStorage();
    let term = 1;
    try {
      for (let step = 0; step < 300; step++) {
        const batch: PersistBatch = {};
        const first = model.firstIndex;
        const last = model.lastIndex;
        if (random() < 0.8 || last < first) {
          // From anywhere in the log (a conflicting suffix) or right after it.
          const from = first + Math.floor(random() * (last - first + 2));
          if (random() < 0.2) term++;
          batch.entries = range(
            from,
            from + Math.floor(random() * 40),
            Math.max(term, model.termAt(from - 1) ?? 0),
          );
        }
        if (random() < 0.15) {
          const end = batch.entries ? batch.entries.at(-1)!.index : last;
          const at = model.snapshotIndex + Math.floor(random() * (end - model.snapshotIndex + 1));
          const atTerm = batch.entries?.find((e) => e.index === at)?.term ?? model.termAt(at);
          if (atTerm !== undefined) batch.compaction = snapshot(at, atTerm);
        }
        await model.persist(batch);
        await storage.persist(batch);
        if (step % 50 === 49) expect(await reloaded(storage)).toEqual(await model.load());
      }
      expect(await reloaded(storage)).toEqual(await model.load());
    } catch (error) {
      throw new Error(
        `seed ${seed} (replay: SEED=${seed} npx vitest run ${'packages/storage-indexeddb/test/segments.test.ts'}): ${String(error)}`,
        { cause: error },
      );
    }
  });
});
