import { MemoryNetwork, RaftInterface } from '@webraft/core';
import { createJsonDoc, type JsonDoc, JsonDocument, type JsonPatch } from '@webraft/json-doc';
import { afterEach, describe, expect, it } from 'vitest';
import type { Board, BoardView } from '../src/board.js';
import * as patches from '../src/board-patches.js';
import { Edits } from '../src/edits.js';

/**
 * Edits on a one-node cluster (MemoryNetwork, the real core and json-doc): an edit whose card another
 * edit moved first is built again on the new board and lands; an edit whose text another edit
 * changed first fails, once, with a message, and changes nothing. Without a quorum (three voters, one
 * running), an edit no leader took by the deadline waits in the list until a quorum commits it, or
 * the user discards it.
 */

const start: Board = {
  lists: [
    {
      id: 'l1',
      title: 'To do',
      cards: [
        { id: 'a', text: 'A' },
        { id: 'b', text: 'B' },
      ],
    },
    { id: 'l2', title: 'Done', cards: [] },
  ],
};

let node: RaftInterface | null = null;
let others: RaftInterface[] = [];
afterEach(async () => {
  await node?.stop();
  node = null;
  await Promise.all(others.map((other) => other.stop()));
  others = [];
});

async function board(): Promise<{ doc: JsonDoc<Board>; other: JsonDoc<Board> }> {
  const document = new JsonDocument<Board>(start);
  node = new RaftInterface('n1', {
    peers: ['n1'],
    transport: new MemoryNetwork().transport('n1'),
    stateMachine: document,
  });
  await node.start();
  await node.read(); // it leads
  return { doc: createJsonDoc(node, document), other: createJsonDoc(node, document, { proposer: 'other' }) };
}

/**
 * `build`, but the first time it runs, another edit (`first`) is proposed before this one: it is
 * committed first, and the patch built on the older board meets the board `first` made.
 */
function racedBy(other: JsonDoc<Board>, first: JsonPatch, build: (b: BoardView) => JsonPatch | null) {
  const calls: number[] = [];
  const raced = (b: BoardView) => {
    calls.push(calls.length);
    if (calls.length === 1) void other.propose(first);
    return build(b);
  };
  return { raced, calls };
}

const texts = (doc: JsonDoc<Board>) => doc.value.lists.map((list) => list.cards.map((card) => card.text));

describe('Edits', () => {
  it('builds an edit again when another edit moved its card first, and it lands', async () => {
    const { doc, other } = await board();
    const failures: string[] = [];
    const edits = new Edits(doc, { pending: () => undefined, failed: (message) => failures.push(message) });
    // Another tab moves B up (B to index 0) just before this one moves B to the next list.
    const moveUp = patches.moveCard(doc.value as BoardView, 'l1', 'b', { step: -1 })!;
    const { raced, calls } = racedBy(other, moveUp, (b) => patches.moveCard(b, 'l1', 'b', { toList: 1 }));
    expect(await edits.run('Moving the card', raced)).toBe(true);
    expect(calls.length).toBe(2); // the first patch's guards failed on the moved board
    expect(texts(doc)).toEqual([['A'], ['B']]);
    expect(failures).toEqual([]);
  });

  it('fails an edit of a text another edit changed first, and tells why', async () => {
    const { doc, other } = await board();
    const failures: string[] = [];
    const edits = new Edits(doc, { pending: () => undefined, failed: (message) => failures.push(message) });
    const theirs = patches.editCard(doc.value as BoardView, 'l1', 'a', { old: 'A', text: 'theirs' });
    const { raced, calls } = racedBy(other, theirs, (b) =>
      patches.editCard(b, 'l1', 'a', { old: 'A', text: 'mine' }),
    );
    expect(await edits.run('Editing the card', raced)).toBe(false);
    // Built again on the new board it is the same patch: not proposed a second time.
    expect(calls.length).toBe(2);
    expect(texts(doc)).toEqual([['theirs', 'B'], []]);
    expect(failures).toEqual([
      'Editing the card failed: another tab changed this first (the edit was not applied, the board shows their change)',
    ]);
  });
});

/**
 * A node of three voters started alone, so no quorum: `n1`'s board. `quorum()` starts a second
 * voter, and the two elect a leader.
 */
async function withoutQuorum() {
  const network = new MemoryNetwork();
  const peers = ['n1', 'n2', 'n3'];
  const start = (id: string, document: JsonDocument<Board>) =>
    new RaftInterface(id, { peers, transport: network.transport(id), stateMachine: document });
  const document = new JsonDocument<Board>(INITIAL);
  node = start('n1', document);
  await node.start();
  const quorum = async () => {
    const second = start('n2', new JsonDocument<Board>(INITIAL));
    others.push(second);
    await second.start();
  };
  return { doc: createJsonDoc(node, document), quorum };
}

const INITIAL: Board = { lists: [{ id: 'l1', title: 'To do', cards: [] }] };

/** Resolves once `check()` holds, looked at after every turn of the event loop. */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('Edits without a quorum', () => {
  it('keeps an edit no leader took in time, waiting, until a quorum commits it', async () => {
    const { doc, quorum } = await withoutQuorum();
    const failures: string[] = [];
    const waiting: string[][] = [];
    const edits = new Edits(
      doc,
      {
        pending: () => undefined,
        failed: (message) => failures.push(message),
        waiting: (kept) => waiting.push(kept.map((edit) => edit.what)),
      },
      200,
    );
    const card = { id: 'c1', text: 'offline' };
    const done = edits.run('Adding the card', (b) => patches.addCard(b, 'l1', card));
    await until(() => edits.waiting.length === 1);
    // Past the deadline: off the board (nothing committed), in the waiting list, not failed.
    expect(doc.optimisticValue.lists[0]!.cards).toEqual([]);
    expect(waiting).toEqual([['Adding the card']]);
    await quorum();
    expect(await done).toBe(true);
    expect(doc.value.lists[0]!.cards).toEqual([card]);
    expect(waiting).toEqual([['Adding the card'], []]);
    expect(failures).toEqual([]);
  });

  it('drops a waiting edit the user discards: it never commits', async () => {
    const { doc, quorum } = await withoutQuorum();
    const failures: string[] = [];
    const edits = new Edits(
      doc,
      { pending: () => undefined, failed: (message) => failures.push(message) },
      200,
    );
    const done = edits.run('Adding the card', (b) => patches.addCard(b, 'l1', { id: 'c1', text: 'dropped' }));
    await until(() => edits.waiting.length === 1);
    edits.waiting[0]!.discard();
    expect(edits.waiting).toEqual([]);
    await quorum();
    expect(await done).toBe(false);
    // The quorum commits a later edit; the discarded one is not before it.
    expect(
      await edits.run('Adding the card', (b) => patches.addCard(b, 'l1', { id: 'c2', text: 'later' })),
    ).toBe(true);
    expect(doc.value.lists[0]!.cards).toEqual([{ id: 'c2', text: 'later' }]);
    expect(failures).toEqual([]);
  });
});
