import { MemoryNetwork, RaftInterface, StorageCorruptError } from '@webraft/core';
import { describe, expect, it } from 'vitest';
import { LocalStorageStorage } from '../src/index.js';
import { entry, range, reloaded, snapshot } from './helpers.js';
import { MemoryWebStorage } from './memory-web-storage.js';

const P = 'webraft//n1/';

/**
 * Node n1 with a snapshot at 3 (`snapshot/2`), entries 4..6 (`log/2/4`, the part of the first batch's
 * segment the compaction kept), 7..9 (`log/2/7`) and a hard state in the head.
 */
async function populated(): Promise<MemoryWebStorage> {
  const web = new MemoryWebStorage();
  const storage = new LocalStorageStorage('n1', { storage: web });
  await storage.load();
  await storage.persist({ entries: range(1, 6, 1) });
  await storage.persist({ entries: range(7, 9, 1), compaction: snapshot(3, 1, { big: 'x'.repeat(30) }) });
  await storage.persist({ hardState: { term: 1, vote: 'a', commit: 5 } });
  expect([...web.dump().keys()].sort()).toEqual([`${P}head`, `${P}log/2/4`, `${P}log/2/7`, `${P}snapshot/2`]);
  return web;
}

/** load() of a new handle fails with StorageCorruptError naming `key`. */
async function expectCorrupt(web: Storage, key: string): Promise<void> {
  const error = await reloaded(web).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StorageCorruptError);
  expect((error as StorageCorruptError).code).toBe('CORRUPT');
  expect((error as StorageCorruptError).record).toBe(`${P}${key}`);
}

/** The stored head with `change` applied to its parsed JSON. */
function editHead(web: Storage, change: (head: Record<string, unknown>) => void): void {
  const head = JSON.parse(web.getItem(`${P}head`) as string);
  change(head);
  web.setItem(`${P}head`, JSON.stringify(head));
}

describe('garbage written into the Storage: load() fails with StorageCorruptError naming the key', () => {
  const writes: [string, string, string, () => string | ((web: Storage) => void)][] = [
    ['a head that is not JSON', 'head', 'head', () => '{"v":1,"gen"'],
    ['a head that is a JSON string', 'head', 'head', () => '"head"'],
    ['a head of another format version', 'head', 'head', () => (web) => editHead(web, (h) => (h.v = 2))],
    ['a head without segments', 'head', 'head', () => (web) => editHead(web, (h) => delete h.segments)],
    [
      'a head whose hard state has a negative term',
      'head',
      'head',
      () => (web) => editHead(web, (h) => (h.hardState = { term: -1, vote: null, commit: 0 })),
    ],
    [
      'a head whose snapshot has no meta',
      'head',
      'head',
      () => (web) => editHead(web, (h) => (h.snapshot = { gen: 2 })),
    ],
    [
      'a head whose segments leave a gap',
      'head',
      'head',
      () => (web) =>
        editHead(web, (h) => {
          (h.segments as number[][]).shift();
        }),
    ],
    [
      'a head naming a segment newer than itself',
      'head',
      'head',
      () => (web) => editHead(web, (h) => ((h.segments as number[][])[0]![2] = 99)),
    ],
    [
      'a head whose commit lies beyond the log',
      'head',
      'head',
      () => (web) => editHead(web, (h) => (h.hardState = { term: 1, vote: 'a', commit: 50 })),
    ],
    ['a segment that is not JSON', 'log/2/4', 'log/2/4', () => '[{"index":4,'],
    ['a segment that is an object', 'log/2/4', 'log/2/4', () => '{"entries":[]}'],
    ['a segment shorter than the head says', 'log/2/4', 'log/2/4', () => JSON.stringify(range(4, 5, 1))],
    ['a segment starting at another index', 'log/2/4', 'log/2/4', () => JSON.stringify(range(5, 7, 1))],
    [
      'an entry of an unknown kind',
      'log/2/4',
      'log/2/4',
      () => JSON.stringify([entry(4, 1), { index: 5, term: 1, kind: 'evil' }, entry(6, 1)]),
    ],
    [
      'an entry whose term goes back',
      'log/2/7',
      'log/2/7',
      () => JSON.stringify([entry(7, 0), entry(8, 1), entry(9, 1)]),
    ],
    ['a snapshot record that is not JSON', 'snapshot/2', 'snapshot/2', () => '{"data":{"big":"xx'],
    ['a snapshot record that is an array', 'snapshot/2', 'snapshot/2', () => '[1,2]'],
  ];
  for (const [what, key, named, value] of writes) {
    it(what, async () => {
      const web = await populated();
      const v = value();
      if (typeof v === 'string') web.setItem(`${P}${key}`, v);
      else v(web);
      await expectCorrupt(web, named);
    });
  }

  for (const key of ['log/2/4', 'log/2/7', 'snapshot/2']) {
    it(`a missing record (${key})`, async () => {
      const web = await populated();
      web.removeItem(`${P}${key}`);
      await expectCorrupt(web, key);
    });
  }

  it('a node over a corrupt store fails to start, saying which key; it never starts empty', async () => {
    const web = await populated();
    web.setItem(`${P}log/2/7`, 'garbage');
    const network = new MemoryNetwork();
    const node = new RaftInterface('n1', {
      peers: ['n1'],
      transport: network.transport('n1'),
      stateMachine: { apply: () => undefined, snapshot: () => null, restore: () => undefined },
      storage: new LocalStorageStorage('n1', { storage: web }),
    });
    await expect(node.start()).rejects.toMatchObject({ code: 'CORRUPT', record: `${P}log/2/7` });
    expect(node.state).toBe('failed');
  });

  it('a garbled segment that a batch must cut fails that batch with CORRUPT and writes nothing', async () => {
    const web = new MemoryWebStorage();
    const storage = new LocalStorageStorage('n1', { storage: web });
    await storage.load();
    await storage.persist({ entries: range(1, 5, 1) });
    web.setItem(`${P}log/1/1`, '"garbage"');
    const items = web.dump();
    await expect(
      storage.persist({ entries: range(3, 3, 2), hardState: { term: 2, vote: null, commit: 0 } }),
    ).rejects.toMatchObject({ code: 'CORRUPT', record: `${P}log/1/1` });
    expect(web.dump()).toEqual(items);
  });
});
