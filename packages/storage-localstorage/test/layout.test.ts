import { MemoryStorage, type PersistBatch, seededRandom } from '@webraft/core';
import { describe, expect, it } from 'vitest';
import { MAX_SEGMENT_CHARS, MAX_SEGMENT_ENTRIES, MERGE_FANOUT } from '../src/index.js';
import { freshStorage, range, reloaded, snapshot } from './helpers.js';
import type { MemoryWebStorage } from './memory-web-storage.js';

const segmentKeys = (web: MemoryWebStorage) =>
  [...web.dump().keys()]
    .filter((key) => key.startsWith('webraft//n1/log/'))
    .map((key) => key.split('/').slice(-2).join('/'));
const headSegments = (web: MemoryWebStorage) =>
  (JSON.parse(web.getItem('webraft//n1/head') as string) as { segments: number[][] }).segments;

describe('segments: one record per batch, merged level by level, cut where a batch says', () => {
  it(`${MERGE_FANOUT} segments of one level merge into one; the head stays short`, async () => {
    const { storage, web } = await freshStorage();
    for (let i = 1; i <= MERGE_FANOUT - 1; i++) await storage.persist({ entries: range(i, i, 1) });
    expect(segmentKeys(web)).toHaveLength(MERGE_FANOUT - 1);
    await storage.persist({ entries: range(MERGE_FANOUT, MERGE_FANOUT, 1) });
    expect(headSegments(web).map((s) => s.slice(0, 4))).toEqual([[1, MERGE_FANOUT, MERGE_FANOUT, 1]]);
    expect(segmentKeys(web)).toEqual([`${MERGE_FANOUT}/1`]);
    for (let i = MERGE_FANOUT + 1; i <= 5_000; i++) await storage.persist({ entries: range(i, i, 1) });
    // 5,000 batches of one entry: a handful of full segments plus at most FANOUT - 1 per level below.
    const segments = headSegments(web);
    expect(segments.length).toBeLessThan(5_000 / MAX_SEGMENT_ENTRIES + 4 * MERGE_FANOUT);
    expect(segments.every(([, count]) => count! <= MAX_SEGMENT_ENTRIES)).toBe(true);
    expect(segmentKeys(web)).toHaveLength(segments.length);
    expect((await reloaded(web)).entries).toEqual(range(1, 5_000, 1));
  });

  it('a conflicting suffix inside a segment keeps its head under a new generation and drops every later one', async () => {
    const { storage, web } = await freshStorage();
    await storage.persist({ entries: range(1, 3, 1) });
    await storage.persist({ entries: range(4, 6, 1) });
    await storage.persist({ entries: range(7, 9, 1) });
    await storage.persist({ entries: range(5, 6, 2) });
    expect(segmentKeys(web).sort()).toEqual(['1/1', '4/4', '4/5']);
    expect((await reloaded(web)).entries).toEqual([...range(1, 4, 1), ...range(5, 6, 2)]);
  });

  it('a compaction inside a segment keeps its tail; a long batch is several segments', async () => {
    const { storage, web } = await freshStorage();
    const n = 2 * MAX_SEGMENT_ENTRIES + 100;
    await storage.persist({ entries: range(1, n, 1) });
    expect(segmentKeys(web)).toEqual([
      '1/1',
      `1/${MAX_SEGMENT_ENTRIES + 1}`,
      `1/${2 * MAX_SEGMENT_ENTRIES + 1}`,
    ]);
    await storage.persist({ compaction: snapshot(10, 1) });
    expect(segmentKeys(web).sort()).toEqual([
      `1/${MAX_SEGMENT_ENTRIES + 1}`,
      `1/${2 * MAX_SEGMENT_ENTRIES + 1}`,
      '2/11',
    ]);
    const state = await reloaded(web);
    expect(state.entries).toEqual(range(11, n, 1));
    expect(state.snapshot).toEqual(snapshot(10, 1));
  });

  it(`no segment holds more than ${MAX_SEGMENT_CHARS} characters, unless it is a single larger entry`, async () => {
    const { storage, web } = await freshStorage();
    const big = (from: number, to: number, chars: number) =>
      range(from, to, 1).map((e) => ({ ...e, data: 'b'.repeat(chars) }));
    await storage.persist({ entries: big(1, 10, 30_000) }); // four entries fit a segment
    expect(headSegments(web).map(([start, count]) => [start, count])).toEqual([
      [1, 4],
      [5, 4],
      [9, 2],
    ]);
    for (let i = 11; i <= 100; i++) await storage.persist({ entries: big(i, i, 20_000) });
    await storage.persist({ entries: big(101, 101, MAX_SEGMENT_CHARS + 10) });
    const segments = headSegments(web);
    expect(
      segments
        .filter(([, , , , chars]) => chars! > MAX_SEGMENT_CHARS)
        .map(([start, count]) => [start, count]),
    ).toEqual([[101, 1]]);
    expect((await reloaded(web)).entries.map((e) => e.index)).toEqual(range(1, 101, 1).map((e) => e.index));
  });

  it('random appends, conflicting suffixes, snapshots and compactions load what MemoryStorage holds', async () => {
    const seed = Number(process.env.SEED ?? Math.floor(Math.random() * 1e9));
    const random = seededRandom(seed);
    const { storage, web } = await freshStorage();
    const model = new MemoryStorage();
    let term = 1;
    try {
      for (let step = 0; step < 600; step++) {
        const batch: PersistBatch = {};
        const first = model.firstIndex;
        const last = model.lastIndex;
        if (random() < 0.02) {
          term++;
          batch.snapshot = snapshot(last + Math.floor(random() * 5), term);
        } else if (random() < 0.85 || last < first) {
          const from = random() < 0.8 ? last + 1 : first + Math.floor(random() * (last - first + 2));
          if (random() < 0.1) term++;
          const size = random() < 0.9 ? 1 + Math.floor(random() * 4) : Math.floor(random() * 300);
          if (size > 0)
            batch.entries = range(from, from + size - 1, Math.max(term, model.termAt(from - 1) ?? 0));
        }
        if (random() < 0.05) {
          const end = batch.entries?.at(-1)?.index ?? (batch.snapshot ? batch.snapshot.meta.index : last);
          const base = batch.snapshot ? batch.snapshot.meta.index : model.snapshotIndex;
          const at = base + Math.floor(random() * (end - base + 1));
          const atTerm =
            batch.entries?.find((e) => e.index === at)?.term ??
            (at === base && batch.snapshot ? term : model.termAt(at));
          if (atTerm !== undefined) batch.compaction = snapshot(at, atTerm);
        }
        await model.persist(batch);
        await storage.persist(batch);
        if (step % 60 === 59) expect(await reloaded(web)).toEqual(await model.load());
      }
      expect(await reloaded(web)).toEqual(await model.load());
      // Only live records are stored: one key per segment the head names, the snapshot's, the head.
      const snapshots = (await model.load()).snapshot ? 1 : 0;
      expect(web.length).toBe(headSegments(web).length + snapshots + 1);
    } catch (error) {
      throw new Error(
        `seed ${seed} (replay: SEED=${seed} pnpm vitest run packages/storage-localstorage/test/layout.test.ts): ${String(error)}`,
        { cause: error },
      );
    }
  });
});
