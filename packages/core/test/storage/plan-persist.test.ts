import { describe, expect, it } from 'vitest';
import { StorageCorruptError, StorageError, StorageLostError } from '../../src/errors.js';
import type { Entry, HardState, Snapshot } from '../../src/protocol/types.js';
import { type RandomSource, seededRandom } from '../../src/runtime/clock.js';
import { planPersist } from '../../src/storage/plan-persist.js';
import { checkLoadedState } from '../../src/storage/record-checks.js';
import { StoredLog } from '../../src/storage/stored-log.js';
import type { PersistBatch } from '../../src/storage/types.js';
import { refuseLostStorage } from '../../src/storage/usage-marker.js';

const entry = (index: number, term: number): Entry => ({ index, term, kind: 'command', data: index });
const snap = (index: number, term: number): Snapshot => ({
  meta: { index, term, config: { voters: ['a'], learners: [] } },
  data: { at: index },
});

/**
 * The reference: a store as the batch contract reads (packages/core/src/storage/types.ts), written the
 * naive way, one step after the other over a full array.
 */
interface Model {
  snapshot: Snapshot | null;
  entries: Entry[];
  hardState: HardState;
}
function modelApply(m: Model, batch: PersistBatch): Model {
  let { snapshot, entries } = m;
  if (batch.snapshot) {
    snapshot = batch.snapshot;
    entries = [];
  }
  if (batch.entries && batch.entries.length > 0) {
    const first = batch.entries[0]!.index;
    entries = [...entries.filter((e) => e.index < first), ...batch.entries];
  }
  if (batch.compaction) {
    snapshot = batch.compaction;
    entries = entries.filter((e) => e.index > batch.compaction!.meta.index);
  }
  return { snapshot, entries, hardState: batch.hardState ?? m.hardState };
}

/** What an adapter keyed by index does with a plan. */
function storeApply(store: Map<number, Entry>, plan: ReturnType<typeof planPersist>): void {
  for (const index of [...store.keys()]) {
    if ((plan.deleteFrom !== null && index >= plan.deleteFrom) || index <= plan.deleteThrough)
      store.delete(index);
  }
  for (const e of plan.append) store.set(e.index, e);
}

/** A random batch that is valid against the model (the protocol's writes, in their variety). */
function randomBatch(m: Model, random: RandomSource): PersistBatch {
  const base = m.snapshot?.meta.index ?? 0;
  const last = base + m.entries.length;
  const termOf = (i: number) => (i === base ? (m.snapshot?.meta.term ?? 0) : m.entries[i - base - 1]?.term);
  const batch: PersistBatch = {};
  let lastAfter = last;
  let topTerm = Math.max(m.hardState.term, m.entries.at(-1)?.term ?? 0, m.snapshot?.meta.term ?? 0);
  let logBase = base;
  let logTerm = termOf(base) ?? 0;
  const pick = random();
  if (pick < 0.1) {
    const index = last + Math.floor(random() * 5);
    topTerm += random() < 0.5 ? 1 : 0;
    batch.snapshot = snap(index, topTerm);
    logBase = index;
    logTerm = topTerm;
    lastAfter = index;
  }
  if (random() < 0.8) {
    // Append after a random point of the surviving log (a conflicting suffix when below its end).
    const from = batch.snapshot
      ? logBase + 1
      : logBase + 1 + Math.floor(random() * (lastAfter - logBase + 1));
    const prevTerm = from - 1 === logBase ? logTerm : (termOf(from - 1) ?? logTerm);
    const term = Math.max(prevTerm, topTerm) + (random() < 0.3 ? 1 : 0);
    const count = 1 + Math.floor(random() * 6);
    batch.entries = Array.from({ length: count }, (_, k) => entry(from + k, term));
    lastAfter = from + count - 1;
    topTerm = term;
  }
  const commit = Math.min(m.hardState.commit, lastAfter);
  if (random() < 0.3 && lastAfter > logBase) {
    const index = logBase + 1 + Math.floor(random() * (lastAfter - logBase));
    const after = modelApply(m, { ...batch, hardState: undefined });
    const term = after.entries.find((e) => e.index === index)!.term;
    batch.compaction = snap(index, term);
  }
  batch.hardState = {
    term: topTerm,
    vote: null,
    commit: Math.min(lastAfter, commit + Math.floor(random() * 3)),
  };
  if (batch.hardState.term === m.hardState.term) batch.hardState.vote = m.hardState.vote;
  return batch;
}

describe('planPersist and StoredLog', () => {
  const SEEDS = 300;
  it(`${SEEDS} seeded batch sequences: the plan, applied to a store and the mirror, matches the contract`, () => {
    const failures: string[] = [];
    for (let seed = 1; seed <= SEEDS && failures.length === 0; seed++) {
      const random = seededRandom(seed);
      let model: Model = { snapshot: null, entries: [], hardState: { term: 0, vote: null, commit: 0 } };
      const log = StoredLog.empty();
      const store = new Map<number, Entry>();
      for (let step = 0; step < 40; step++) {
        const batch = randomBatch(model, random);
        let plan: ReturnType<typeof planPersist>;
        try {
          plan = planPersist(log, batch);
        } catch (error) {
          failures.push(`seed ${seed} step ${step}: refused a valid batch: ${String(error)}`);
          break;
        }
        storeApply(store, plan);
        log.apply(plan);
        model = modelApply(model, batch);
        const base = model.snapshot?.meta.index ?? 0;
        const wanted = model.entries.map((e) => `${e.index}:${e.term}`).join(',');
        const got = [...store.values()]
          .sort((a, b) => a.index - b.index)
          .map((e) => `${e.index}:${e.term}`)
          .join(',');
        const mirror = model.entries.map((e) => `${e.index}:${log.termAt(e.index)}`).join(',');
        const shape = `${log.snapshotIndex}/${log.lastIndex}/${plan.firstIndex}/${plan.lastIndex}`;
        const last = base + model.entries.length;
        if (got !== wanted || mirror !== wanted || shape !== `${base}/${last}/${base + 1}/${last}`) {
          failures.push(
            `seed ${seed} step ${step}: store [${got}] mirror [${mirror}] shape ${shape}, wanted [${wanted}] ${base}/${last}` +
              ` (replay: seededRandom(${seed}) in this test)`,
          );
          break;
        }
        if (log.termAt(last + 1) !== undefined || (base > 0 && log.termAt(base - 1) !== undefined)) {
          failures.push(`seed ${seed} step ${step}: termAt answers outside the log`);
          break;
        }
      }
    }
    expect(failures).toEqual([]);
  });

  const refusals: [string, (log: StoredLog) => PersistBatch, RegExp][] = [
    ['a gap', () => ({ entries: [entry(4, 2)] }), /gap/],
    ['non-consecutive entries', () => ({ entries: [entry(1, 1), entry(3, 1)] }), /consecutive/],
    ['decreasing terms', () => ({ entries: [entry(1, 2), entry(2, 1)] }), /decrease/],
    ['an entry of unknown kind', () => ({ entries: [{ ...entry(1, 1), kind: 'x' as 'noop' }] }), /kind/],
    ['a term going back', () => ({ hardState: { term: 0, vote: null, commit: 0 } }), /goes back/],
    ['a changed vote', () => ({ hardState: { term: 2, vote: 'b', commit: 0 } }), /vote in term 2/],
    ['a commit beyond the log', () => ({ hardState: { term: 2, vote: 'a', commit: 9 } }), /beyond/],
    ['a compaction beyond the log', () => ({ compaction: snap(9, 2) }), /beyond/],
    ['a compaction with the wrong term', () => ({ compaction: snap(2, 1) }), /has term/],
    [
      'a snapshot without config',
      () => ({ snapshot: { meta: { index: 9, term: 2 } } as Snapshot }),
      /config/,
    ],
  ];
  for (const [what, make, match] of refusals) {
    it(`refuses ${what} with INVALID_BATCH and changes nothing`, () => {
      const log = StoredLog.empty();
      const setup: PersistBatch = {
        entries: [entry(1, 2), entry(2, 2)],
        hardState: { term: 2, vote: 'a', commit: 1 },
      };
      log.apply(planPersist(log, setup));
      const before = JSON.stringify([log.snapshotIndex, log.lastIndex, log.termAt(2), log.hardState]);
      let thrown: unknown;
      try {
        planPersist(log, make(log));
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(StorageError);
      expect((thrown as StorageError).code).toBe('INVALID_BATCH');
      expect((thrown as Error).message).toMatch(match);
      expect(JSON.stringify([log.snapshotIndex, log.lastIndex, log.termAt(2), log.hardState])).toBe(before);
    });
  }

  it('StoredLog.from mirrors a loaded state, including a snapshot and a term change', () => {
    const log = StoredLog.from({
      hardState: { term: 3, vote: 'a', commit: 6 },
      snapshot: snap(4, 1),
      entries: [entry(5, 1), entry(6, 3), entry(7, 3)],
    });
    expect([log.snapshotIndex, log.firstIndex, log.lastIndex, log.isEmpty]).toEqual([4, 5, 7, false]);
    expect([4, 5, 6, 7, 8].map((i) => log.termAt(i))).toEqual([1, 1, 3, 3, undefined]);
    expect(StoredLog.empty().isEmpty).toBe(true);
  });
});

describe('checkLoadedState', () => {
  const good = () => ({
    hardState: { term: 2, vote: 'a', commit: 2, cluster: 'c1' } as HardState,
    snapshot: snap(1, 1),
    entries: [entry(2, 1), entry(3, 2)],
  });
  it('accepts a consistent state', () => {
    expect(checkLoadedState(good())).toEqual(good());
  });
  const broken: [string, (s: ReturnType<typeof good>) => unknown, string][] = [
    ['a garbled hard state', (s) => ({ ...s, hardState: 'x' }), 'db/hardState'],
    ['a snapshot of the wrong shape', (s) => ({ ...s, snapshot: { meta: {} } }), 'db/snapshot'],
    ['a truncated entry', (s) => ({ ...s, entries: [s.entries[0], { index: 3 }] }), 'db/entry 3'],
    ['a gap in the log', (s) => ({ ...s, entries: [s.entries[1]] }), 'db/entry 2'],
    ['a commit beyond the log', (s) => ({ ...s, hardState: { ...s.hardState, commit: 7 } }), 'db/hardState'],
    ['entries that are not an array', (s) => ({ ...s, entries: {} }), 'db/entries'],
  ];
  for (const [what, mangle, record] of broken) {
    it(`names the record on ${what}`, () => {
      let thrown: unknown;
      try {
        checkLoadedState(mangle(good()) as never, 'db');
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(StorageCorruptError);
      expect((thrown as StorageCorruptError).record).toBe(record);
    });
  }
});

describe('refuseLostStorage', () => {
  it('throws StorageLostError only when the marker says the id was used', () => {
    expect(() => refuseLostStorage('n1', { wasUsed: () => true, markUsed() {} })).toThrow(StorageLostError);
    expect(() => refuseLostStorage('n1', { wasUsed: () => false, markUsed() {} })).not.toThrow();
    expect(() => refuseLostStorage('n1', undefined)).not.toThrow();
  });
});
