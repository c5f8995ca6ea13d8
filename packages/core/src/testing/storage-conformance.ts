/**
 * The storage conformance suite (docs/architecture.md, Storage contract). Every `RaftStorage` adapter runs
 * it: in Node for memory, in real Chromium for IndexedDB and localStorage. It imports no test framework.
 */
import { StorageError } from '../errors.js';
import type { Entry, HardState, Snapshot } from '../protocol/types.js';
import type { PersistBatch, PersistedState, RaftStorage } from '../storage/types.js';
import { assert, assertEqual, assertRejects, show, type TestHarness } from './assert.js';

/**
 * Opens a handle on the durable store called `storeName`, creating an empty store the first time.
 * The same name must reach the same underlying data on every call, also after earlier handles were
 * closed: that is how the suite checks durability across a restart. The suite calls it several times
 * per test and uses a new, unique name for every test, so tests never see each other's data.
 */
export type MakeStorage = (storeName: string) => RaftStorage | Promise<RaftStorage>;

export interface StorageTestOptions {
  /** Title of the `describe` block. */
  title?: string;
  /** Prefix of the store names the suite makes up (default `webraft-conformance`). */
  prefix?: string;
  /** Called after each test, once its handles are closed, to delete the store (optional). */
  destroyStore?(storeName: string): void | Promise<void>;
}

const CONFIG = { voters: ['n1', 'n2', 'n3'], learners: [] };

const entry = (index: number, term: number, data: unknown = { op: 'set', key: `k${index}` }): Entry => ({
  index,
  term,
  kind: 'command',
  data,
});
const range = (from: number, to: number, term: number): Entry[] => {
  const out: Entry[] = [];
  for (let i = from; i <= to; i++) out.push(entry(i, term));
  return out;
};
const snapshot = (index: number, term: number, data: unknown = { at: index }): Snapshot => ({
  meta: { index, term, config: CONFIG },
  data,
});
const hard = (term: number, vote: string | null, commit: number): HardState => ({ term, vote, commit });
const EMPTY: PersistedState = { hardState: hard(0, null, 0), snapshot: null, entries: [] };

/** A `StorageError`, also one from another copy of `@webraft/core` (matched by name). */
function isStorageError(error: unknown): boolean {
  return error instanceof StorageError || (error instanceof Error && error.name === 'StorageError');
}

let runCounter = 0;

export function runStorageTests(
  makeStorage: MakeStorage,
  harness: TestHarness,
  options: StorageTestOptions = {},
): void {
  const { describe, it } = harness;
  const run = `${Date.now().toString(36)}-${(runCounter++).toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  let testCounter = 0;

  /** Runs `body` with a fresh store; closes every handle it opened and destroys the store afterwards. */
  const test = (name: string, body: (open: () => Promise<RaftStorage>) => Promise<void>): void => {
    it(name, async () => {
      const storeName = `${options.prefix ?? 'webraft-conformance'}-${run}-${testCounter++}`;
      const handles: RaftStorage[] = [];
      const open = async () => {
        const handle = await makeStorage(storeName);
        handles.push(handle);
        return handle;
      };
      try {
        await body(open);
      } finally {
        for (const handle of handles) await handle.close?.();
        await options.destroyStore?.(storeName);
      }
    });
  };

  /** Expects `batch` to be refused with a StorageError and the stored state to stay as it was. */
  const expectRefused = async (storage: RaftStorage, batch: PersistBatch, what: string) => {
    const before = await storage.load();
    const error = await assertRejects(() => storage.persist(batch), what);
    assert(isStorageError(error), `${what}: rejection must be a StorageError, got ${show(String(error))}`);
    assertEqual(await storage.load(), before, `${what}: stored state after the refused batch`);
  };

  describe(options.title ?? 'RaftStorage conformance', () => {
    test('a new store loads the empty state', async (open) => {
      const storage = await open();
      assertEqual(await storage.load(), EMPTY, 'load of a new store');
    });

    test('hard state round trip', async (open) => {
      const storage = await open();
      await storage.persist({ hardState: hard(3, 'n2', 0) });
      assertEqual((await storage.load()).hardState, hard(3, 'n2', 0), 'hard state');
      await storage.persist({ hardState: hard(4, null, 0) });
      assertEqual(await storage.load(), { ...EMPTY, hardState: hard(4, null, 0) }, 'replaced hard state');
    });

    test('appended entries load in order', async (open) => {
      const storage = await open();
      await storage.persist({ entries: range(1, 3, 1) });
      await storage.persist({ entries: [entry(4, 2, 'text'), { index: 5, term: 2, kind: 'noop' }] });
      const config: Entry = { index: 6, term: 2, kind: 'config', data: CONFIG, client: 'c1', seq: 7 };
      await storage.persist({ entries: [config] });
      const expected = [...range(1, 3, 1), entry(4, 2, 'text'), { index: 5, term: 2, kind: 'noop' }, config];
      assertEqual(await storage.load(), { ...EMPTY, entries: expected }, 'load after appends');
    });

    test('a conflicting suffix is replaced', async (open) => {
      const storage = await open();
      await storage.persist({ entries: range(1, 5, 1) });
      await storage.persist({ entries: range(3, 4, 2) });
      assertEqual((await storage.load()).entries, [...range(1, 2, 1), ...range(3, 4, 2)], 'entries');
    });

    test('entries append after a replaced suffix', async (open) => {
      const storage = await open();
      await storage.persist({ entries: range(1, 5, 1) });
      await storage.persist({ entries: range(2, 3, 2) });
      await storage.persist({ entries: range(4, 6, 3) });
      const expected = [entry(1, 1), ...range(2, 3, 2), ...range(4, 6, 3)];
      assertEqual((await storage.load()).entries, expected, 'entries');
    });

    test('a snapshot install discards every entry; entries of the same batch follow it', async (open) => {
      const storage = await open();
      await storage.persist({ entries: range(1, 5, 1) });
      await storage.persist({ snapshot: snapshot(10, 2), entries: range(11, 12, 2) });
      assertEqual(
        await storage.load(),
        { ...EMPTY, snapshot: snapshot(10, 2), entries: range(11, 12, 2) },
        'after installing a snapshot past the log',
      );
      // A snapshot inside the log also discards every entry, the later ones too (the log restarts).
      await storage.persist({ snapshot: snapshot(11, 2, { inside: true }) });
      assertEqual(
        await storage.load(),
        { ...EMPTY, snapshot: snapshot(11, 2, { inside: true }) },
        'after installing a snapshot inside the log',
      );
      await storage.persist({ entries: range(12, 13, 3) });
      assertEqual((await storage.load()).entries, range(12, 13, 3), 'entries appended after the snapshot');
    });

    test('compaction keeps the later entries', async (open) => {
      const storage = await open();
      await storage.persist({ entries: range(1, 10, 1) });
      await storage.persist({ compaction: snapshot(6, 1) });
      assertEqual(
        await storage.load(),
        { ...EMPTY, snapshot: snapshot(6, 1), entries: range(7, 10, 1) },
        'after compaction',
      );
      await storage.persist({ compaction: snapshot(10, 1) });
      await storage.persist({ entries: [entry(11, 2)] });
      assertEqual(
        await storage.load(),
        { ...EMPTY, snapshot: snapshot(10, 1), entries: [entry(11, 2)] },
        'after compacting the whole log and appending',
      );
    });

    test('all four parts in one batch apply in order', async (open) => {
      const storage = await open();
      await storage.persist({ entries: range(1, 3, 1), hardState: hard(1, 'n1', 1) });
      await storage.persist({
        snapshot: snapshot(5, 2),
        entries: range(6, 8, 2),
        compaction: snapshot(7, 2, { compacted: true }),
        hardState: hard(2, 'n3', 7),
      });
      assertEqual(
        await storage.load(),
        {
          hardState: hard(2, 'n3', 7),
          snapshot: snapshot(7, 2, { compacted: true }),
          entries: [entry(8, 2)],
        },
        'after the four-part batch',
      );
    });

    test('an impossible batch rejects with a StorageError and changes nothing', async (open) => {
      const storage = await open();
      await storage.persist({ entries: range(1, 5, 1), hardState: hard(2, 'n2', 2) });
      await storage.persist({ compaction: snapshot(2, 1) });
      await expectRefused(storage, { entries: [entry(7, 2)] }, 'entries leaving a gap after the log');
      await expectRefused(storage, { entries: [entry(6, 2), entry(8, 2)] }, 'entries not consecutive');
      await expectRefused(storage, { entries: [entry(2, 2), entry(3, 2)] }, 'entries at the snapshot index');
      await expectRefused(storage, { compaction: snapshot(9, 1) }, 'compaction beyond the log');
      await expectRefused(
        storage,
        { snapshot: snapshot(8, 2), entries: [entry(10, 2)] },
        'entries leaving a gap after a snapshot of the same batch',
      );
      await expectRefused(
        storage,
        { entries: range(6, 7, 2), hardState: hard(3, null, 2), compaction: snapshot(12, 2) },
        'valid entries and hard state with a compaction beyond the log (atomicity)',
      );
      // The store still works.
      await storage.persist({ entries: [entry(6, 2)], hardState: hard(3, null, 3) });
      assertEqual(
        await storage.load(),
        { hardState: hard(3, null, 3), snapshot: snapshot(2, 1), entries: [...range(3, 5, 1), entry(6, 2)] },
        'after a valid batch following the refused ones',
      );
    });

    test('mutating data after persist or load does not change what is stored', async (open) => {
      const storage = await open();
      const data = { list: [1, 2], nested: { a: 'b' } };
      const entries = [entry(1, 1, data), entry(2, 1)];
      const hardState = hard(1, 'n1', 1);
      const snap = snapshot(0, 0, { state: ['x'] });
      await storage.persist({ compaction: snap, entries, hardState });
      data.list.push(3);
      data.nested.a = 'changed';
      (entries[1] as Entry).term = 9;
      entries.push(entry(3, 1));
      hardState.term = 9;
      (snap.data as { state: string[] }).state.push('y');
      const expected: PersistedState = {
        hardState: hard(1, 'n1', 1),
        snapshot: snapshot(0, 0, { state: ['x'] }),
        entries: [entry(1, 1, { list: [1, 2], nested: { a: 'b' } }), entry(2, 1)],
      };
      const loaded = await storage.load();
      assertEqual(loaded, expected, 'load after mutating what was persisted');
      ((loaded.entries[0] as Entry).data as { list: number[] }).list.push(4);
      loaded.entries.pop();
      loaded.hardState.term = 10;
      (loaded.snapshot as Snapshot).meta.index = 10;
      assertEqual(await storage.load(), expected, 'load after mutating what was loaded');
    });

    test('a large entry (1 MB string) round trips', async (open) => {
      const storage = await open();
      // Mixed widths: ASCII, a two-byte, a three-byte and an astral character (a surrogate pair).
      const big = 'abcdefgh-é€😀'.repeat(Math.ceil((1 << 20) / 14)).slice(0, 1 << 20);
      await storage.persist({ entries: [entry(1, 1, big), entry(2, 1, { big })] });
      const loaded = (await storage.load()).entries;
      assert(loaded.length === 2, 'two entries');
      assert(loaded[0]?.data === big, 'the 1 MB string is intact');
      assert(
        (loaded[1]?.data as { big?: unknown } | undefined)?.big === big,
        'the 1 MB string inside an object is intact',
      );
    });

    test('10,000 entries across many batches', async (open) => {
      const storage = await open();
      const perBatch = 100;
      const termOfBatch = (from: number) => 1 + Math.floor(from / 2500);
      const termOf = (index: number) => termOfBatch(index - ((index - 1) % perBatch));
      for (let from = 1; from <= 10_000; from += perBatch) {
        const batch: PersistBatch = { entries: range(from, from + perBatch - 1, termOfBatch(from)) };
        if (from % 1000 === 1) batch.hardState = hard(termOfBatch(from), null, from - 1);
        await storage.persist(batch);
      }
      const check = (state: PersistedState, first: number, what: string) => {
        assert(state.entries.length === 10_001 - first, `${what}: ${state.entries.length} entries`);
        state.entries.forEach((e, i) => {
          assertEqual(e, entry(first + i, termOf(first + i)), `${what}: entry ${first + i}`);
        });
      };
      const loaded = await storage.load();
      assertEqual(loaded.hardState, hard(termOfBatch(9001), null, 9000), 'hard state');
      check(loaded, 1, 'after 100 batches');
      await storage.persist({ compaction: snapshot(5000, termOf(5000)) });
      const compacted = await storage.load();
      assertEqual(compacted.snapshot, snapshot(5000, termOf(5000)), 'snapshot after compaction');
      check(compacted, 5001, 'after compaction');
    });

    test('a new handle on the same store sees the data (restart)', async (open) => {
      const first = await open();
      await first.persist({ entries: range(1, 4, 1), hardState: hard(1, 'n1', 2) });
      await first.persist({ compaction: snapshot(2, 1) });
      await first.close?.();
      const second = await open();
      const expected = { hardState: hard(1, 'n1', 2), snapshot: snapshot(2, 1), entries: range(3, 4, 1) };
      assertEqual(await second.load(), expected, 'load through a second handle');
      await second.persist({ entries: range(4, 5, 2), hardState: hard(2, 'n2', 4) });
      await second.close?.();
      const third = await open();
      assertEqual(
        await third.load(),
        { hardState: hard(2, 'n2', 4), snapshot: snapshot(2, 1), entries: [entry(3, 1), ...range(4, 5, 2)] },
        'load through a third handle',
      );
    });

    test('load() after close() opens the same handle again, with its data (restart over one object)', async (open) => {
      const storage = await open();
      await storage.persist({ entries: range(1, 3, 1), hardState: hard(1, 'n1', 2) });
      await storage.close?.();
      assertEqual(
        await storage.load(),
        { hardState: hard(1, 'n1', 2), snapshot: null, entries: range(1, 3, 1) },
        'load after close',
      );
      await storage.persist({ entries: range(4, 4, 1), hardState: hard(1, 'n1', 3) });
      assertEqual((await storage.load()).entries, range(1, 4, 1), 'persist after reopening');
    });

    it('stores with different names are independent', async () => {
      const a = `${options.prefix ?? 'webraft-conformance'}-${run}-${testCounter++}`;
      const b = `${options.prefix ?? 'webraft-conformance'}-${run}-${testCounter++}`;
      const sa = await makeStorage(a);
      const sb = await makeStorage(b);
      try {
        await sa.persist({ entries: range(1, 2, 1), hardState: hard(1, 'n1', 0) });
        await sb.persist({ hardState: hard(5, null, 0) });
        assertEqual(await sa.load(), { ...EMPTY, entries: range(1, 2, 1), hardState: hard(1, 'n1', 0) }, 'a');
        assertEqual(await sb.load(), { ...EMPTY, hardState: hard(5, null, 0) }, 'b');
      } finally {
        await sa.close?.();
        await sb.close?.();
        await options.destroyStore?.(a);
        await options.destroyStore?.(b);
      }
    });
  });
}
