import { MemoryStorage, type PersistBatch, StorageError, seededRandom } from '@webraft/core';
import { describe, expect, it } from 'vitest';
import { LocalStorageStorage } from '../src/index.js';
import { range, reloaded, snapshot } from './helpers.js';
import { MemoryWebStorage } from './memory-web-storage.js';

const hard = (term: number, vote: string | null, commit: number) => ({ term, vote, commit });

/** Batches written before the one under test, and the batch itself. */
const SCENARIOS: [string, PersistBatch[], PersistBatch][] = [
  [
    'an append with a hard state',
    [{ entries: range(1, 3, 1) }],
    { entries: range(4, 6, 1), hardState: hard(1, 'a', 3) },
  ],
  [
    'an append that merges eight segments into one',
    Array.from({ length: 7 }, (_, k) => ({ entries: range(k + 1, k + 1, 1) })),
    { entries: range(8, 8, 1) },
  ],
  [
    'a conflicting suffix cut inside a segment',
    [{ entries: range(1, 2, 1) }, { entries: range(3, 6, 1) }],
    { entries: range(4, 5, 2), hardState: hard(2, null, 1) },
  ],
  [
    "a leader's snapshot install",
    [{ entries: range(1, 5, 1), hardState: hard(1, 'a', 2) }],
    { snapshot: snapshot(10, 2), entries: range(11, 12, 2) },
  ],
  [
    'a compaction inside a segment',
    [{ entries: range(1, 3, 1) }, { entries: range(4, 6, 1) }, { entries: range(7, 9, 1) }],
    { compaction: snapshot(5, 1) },
  ],
  [
    'a hard-state change',
    [{ entries: range(1, 3, 1), hardState: hard(1, 'a', 1) }],
    { hardState: hard(2, 'b', 3) },
  ],
  [
    'all four parts at once',
    [{ entries: range(1, 4, 1) }, { entries: range(5, 9, 1), compaction: snapshot(2, 1) }],
    {
      snapshot: snapshot(12, 2),
      entries: range(13, 16, 2),
      compaction: snapshot(14, 2),
      hardState: hard(2, 'c', 14),
    },
  ],
];

/** A Storage holding node n1 after `setup`. */
async function prepared(setup: PersistBatch[]): Promise<Map<string, string>> {
  const web = new MemoryWebStorage();
  const storage = new LocalStorageStorage('n1', { storage: web });
  await storage.load();
  for (const batch of setup) await storage.persist(batch);
  return web.dump();
}

describe('a crash between any two writes loads as the state before the batch or after it', () => {
  for (const [what, setup, batch] of SCENARIOS) {
    it(what, async () => {
      const items = await prepared(setup);
      const before = await reloaded(new MemoryWebStorage({ items: new Map(items) }));

      // The batch written whole: the state after, and how many writes it takes.
      const clean = new MemoryWebStorage({ items: new Map(items) });
      const writer = new LocalStorageStorage('n1', { storage: clean });
      await writer.load();
      const start = clean.writes;
      await writer.persist(batch);
      const writes = clean.writes - start;
      const after = await reloaded(clean);
      expect(after).not.toEqual(before);
      expect(writes).toBeGreaterThan(0);

      const outcomes: string[] = [];
      for (let k = 0; k < writes; k++) {
        const web = new MemoryWebStorage({ items: new Map(items) });
        const storage = new LocalStorageStorage('n1', { storage: web });
        await storage.load();
        web.crashAfter(k);
        // A crash after the head switch, among the removals of dead records, cannot fail the batch: it is durable.
        const failure = await storage.persist(batch).then(
          () => null,
          (error: unknown) => error,
        );
        if (failure !== null) expect(failure).toBeInstanceOf(StorageError);

        const restarted = web.revive();
        const state = await reloaded(restarted);
        if (failure !== null && JSON.stringify(state) === JSON.stringify(before)) outcomes.push('before');
        else {
          expect(state, `crash after write ${k} of ${writes}`).toEqual(after);
          outcomes.push('after');
        }
        // The load swept every orphan: the keys are those of a clean run to the same state.
        const reference = outcomes.at(-1) === 'before' ? items : clean.dump();
        expect([...restarted.dump().keys()].sort()).toEqual([...reference.keys()].sort());
        // And the node goes on from there.
        const next = new LocalStorageStorage('n1', { storage: restarted });
        const loaded = await next.load();
        const last = loaded.entries.at(-1)?.index ?? loaded.snapshot?.meta.index ?? 0;
        await next.persist({ entries: range(last + 1, last + 2, 5) });
        expect((await reloaded(restarted)).entries.slice(-2)).toEqual(range(last + 1, last + 2, 5));
      }
      // Before the head switch: the old state; from it on: the new one. Never anything else.
      const switched = outcomes.indexOf('after');
      expect(outcomes.slice(0, switched === -1 ? undefined : switched).every((o) => o === 'before')).toBe(
        true,
      );
      if (switched !== -1) expect(outcomes.slice(switched).every((o) => o === 'after')).toBe(true);
      expect(outcomes[0]).toBe('before');
    });
  }
});

it('random batches, each cut off at a random write: every restart loads the state before or after it', async () => {
  const seed = Number(process.env.SEED ?? Math.floor(Math.random() * 1e9));
  const random = seededRandom(seed);
  const model = new MemoryStorage();
  let web = new MemoryWebStorage();
  let term = 1;
  try {
    for (let step = 0; step < 200; step++) {
      const last = model.lastIndex;
      const batch: PersistBatch = {};
      if (random() < 0.05) {
        term++;
        batch.snapshot = snapshot(last + Math.floor(random() * 3), term);
      } else {
        // A rewrite of the tail starts after the commit index: Raft never truncates committed entries.
        const lowest = Math.max(model.firstIndex, model.hardState.commit + 1);
        const from = random() < 0.8 ? last + 1 : lowest + Math.floor(random() * (last - lowest + 2));
        if (random() < 0.1) term++;
        batch.entries = range(
          from,
          from + Math.floor(random() * 12),
          Math.max(term, model.termAt(from - 1) ?? 0),
        );
      }
      const end = batch.entries?.at(-1)?.index ?? batch.snapshot?.meta.index ?? last;
      if (random() < 0.1 && batch.entries && end > model.snapshotIndex + 1) {
        const at = end - Math.floor(random() * 3);
        if (at > model.snapshotIndex)
          batch.compaction = snapshot(
            at,
            batch.entries.find((e) => e.index === at)?.term ?? model.termAt(at)!,
          );
      }
      if (random() < 0.3)
        batch.hardState = { term, vote: null, commit: Math.min(end, model.hardState.commit + 3) };
      const before = await model.load();
      await model.persist(batch);
      const after = await model.load();

      const storage = new LocalStorageStorage('n1', { storage: web });
      await storage.load();
      web.crashAfter(Math.floor(random() * 6));
      await storage.persist(batch).catch(() => undefined);
      web = web.revive();
      const state = await reloaded(web);
      if (JSON.stringify(state) === JSON.stringify(after)) continue;
      expect(state, `step ${step}`).toEqual(before);
      // Cut off before its switch: the node writes the batch again, as the runtime's retry does.
      const again = new LocalStorageStorage('n1', { storage: web });
      await again.load();
      await again.persist(batch);
      expect(await reloaded(web), `step ${step}, written again`).toEqual(after);
    }
  } catch (error) {
    throw new Error(
      `seed ${seed} (replay: SEED=${seed} pnpm vitest run packages/storage-localstorage/test/crash.test.ts): ${String(error)}`,
      { cause: error },
    );
  }
});
