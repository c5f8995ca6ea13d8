import { JsonDocument, type JsonPatch } from '@webraft/json-doc';
import { describe, expect, it } from 'vitest';
import type { Board, BoardView } from '../src/board.js';
import { buildIntent, type EditIntent, isIntent, replayIntent } from '../src/edit-intents.js';
import { WaitingStore } from '../src/waiting-store.js';

/**
 * Edits replayed after a reload (edit-intents.ts): null once the board shows them done, and a patch
 * that fails as a whole when an earlier attempt of the same edit committed first; what localStorage
 * gives back is checked before it is proposed.
 */

const start: Board = {
  lists: [
    { id: 'l1', title: 'To do', cards: [{ id: 'a', text: 'A' }] },
    { id: 'l2', title: 'Done', cards: [] },
  ],
};

const INTENTS: EditIntent[] = [
  { kind: 'addList', list: { id: 'l3', title: 'New', cards: [] } },
  { kind: 'renameList', listId: 'l1', title: 'Later' },
  { kind: 'deleteList', listId: 'l2' },
  { kind: 'addCard', listId: 'l1', card: { id: 'c', text: 'C' } },
  { kind: 'editCard', listId: 'l1', cardId: 'a', old: 'A', text: 'A2' },
  { kind: 'deleteCard', listId: 'l1', cardId: 'a' },
  { kind: 'moveCard', listId: 'l1', cardId: 'a', at: 0, move: { toList: 1 } },
];

/** The board `patch` makes of `board`, applied by JsonDocument as every node applies it; throws on a conflict. */
function apply(board: BoardView, patch: JsonPatch | null): BoardView {
  const doc = new JsonDocument<Board>(board as Board);
  const result = doc.apply({ patch: patch! }, { index: 1, term: 1 });
  if (!('ok' in result)) throw new Error(JSON.stringify(result));
  return doc.value;
}

describe('replayIntent', () => {
  for (const intent of INTENTS) {
    it(`${intent.kind}: applies once, whether or not an earlier attempt committed`, () => {
      const replay = replayIntent(start, intent)!;
      const once = apply(start, buildIntent(start, intent));
      // Nothing committed before: the replay does what the edit does.
      expect(apply(start, replay)).toEqual(once);
      // The earlier attempt committed after the replay was built: the replay's guard fails...
      expect(() => apply(once, replay)).toThrow();
      // ...and built again on that board, there is nothing left to do.
      expect(replayIntent(once, intent)).toBeNull();
    });
  }
});

describe('WaitingStore', () => {
  const storage = () => {
    const items = new Map<string, string>();
    return {
      getItem: (key: string) => items.get(key) ?? null,
      setItem: (key: string, value: string) => void items.set(key, value),
      removeItem: (key: string) => void items.delete(key),
      items,
    } as unknown as Storage & { items: Map<string, string> };
  };

  it('keeps edits per board and identity, and forgets them', () => {
    const shared = storage();
    const store = new WaitingStore('board-a', 'tab-1', shared);
    store.save({ id: 'e1', intent: INTENTS[3]! });
    store.save({ id: 'e2', intent: INTENTS[0]! });
    expect(new WaitingStore('board-a', 'tab-1', shared).load().map((e) => e.id)).toEqual(['e1', 'e2']);
    expect(new WaitingStore('board-a', 'tab-2', shared).load()).toEqual([]);
    expect(new WaitingStore('board-b', 'tab-1', shared).load()).toEqual([]);
    store.forget('e1');
    store.forget('e2');
    expect(shared.items.size).toBe(0);
  });

  it('drops what is not a saved edit', () => {
    const shared = storage();
    const key = 'board-a/waiting-edits/tab-1';
    shared.setItem(key, '{not json');
    expect(new WaitingStore('board-a', 'tab-1', shared).load()).toEqual([]);
    const good = { id: 'ok', intent: INTENTS[3] };
    const bad = [
      { id: 'x', intent: { kind: 'addCard', listId: 'l1', card: { id: 1 } } },
      { id: 'y', intent: { kind: 'explode' } },
      { intent: INTENTS[3] },
      { id: 'z', intent: { kind: 'moveCard', listId: 'l1', cardId: 'a', at: 0, move: { step: 2 } } },
    ];
    shared.setItem(key, JSON.stringify([...bad, good]));
    expect(new WaitingStore('board-a', 'tab-1', shared).load()).toEqual([good]);
    for (const intent of INTENTS) expect(isIntent(JSON.parse(JSON.stringify(intent)))).toBe(true);
  });
});
