import { JsonDocument, type JsonPatch } from '@webraft/json-doc';
import { describe, expect, it } from 'vitest';
import { type Board, type BoardView, INITIAL_BOARD } from '../src/board.js';
import * as patches from '../src/board-patches.js';

/**
 * The board's patches applied by the replicated document itself (JsonDocument.apply, as every node
 * applies a committed entry): what each edit does, and that a patch built on an out-of-date board
 * fails as a whole instead of changing the wrong list or card.
 */

const board = (): Board => ({
  lists: [
    {
      id: 'l1',
      title: 'To do',
      cards: [
        { id: 'a', text: 'A' },
        { id: 'b', text: 'B' },
        { id: 'c', text: 'C' },
      ],
    },
    { id: 'l2', title: 'Done', cards: [] },
  ],
});

let index = 0;
function apply(document: JsonDocument<Board>, patch: JsonPatch | null) {
  if (!patch) throw new Error('no patch');
  return document.apply({ patch }, { index: ++index, term: 1 });
}
const texts = (view: BoardView) => view.lists.map((list) => list.cards.map((card) => card.text));

describe('board patches', () => {
  it('add, rename and delete lists; add, edit and delete cards', () => {
    const doc = new JsonDocument<Board>(INITIAL_BOARD);
    expect(apply(doc, patches.addList({ id: 'l2', title: 'Doing', cards: [] }))).toEqual({ ok: true });
    apply(doc, patches.addCard(doc.value, 'l2', { id: 'x', text: 'X' }));
    apply(doc, patches.renameList(doc.value, 'l2', 'Done'));
    apply(doc, patches.editCard(doc.value, 'l2', 'x', { old: 'X', text: 'Y' }));
    expect(doc.value).toEqual({
      lists: [
        { id: 'todo', title: 'To do', cards: [] },
        { id: 'l2', title: 'Done', cards: [{ id: 'x', text: 'Y' }] },
      ],
    });
    apply(doc, patches.deleteCard(doc.value, 'l2', 'x'));
    apply(doc, patches.deleteList(doc.value, 'todo'));
    expect(doc.value).toEqual({ lists: [{ id: 'l2', title: 'Done', cards: [] }] });
  });

  it('moves a card up, down, to the next and the previous list; nowhere past the ends', () => {
    const doc = new JsonDocument<Board>(board());
    apply(doc, patches.moveCard(doc.value, 'l1', 'c', { step: -1 }));
    expect(texts(doc.value)).toEqual([['A', 'C', 'B'], []]);
    apply(doc, patches.moveCard(doc.value, 'l1', 'a', { step: 1 }));
    expect(texts(doc.value)).toEqual([['C', 'A', 'B'], []]);
    apply(doc, patches.moveCard(doc.value, 'l1', 'a', { toList: 1 }));
    expect(texts(doc.value)).toEqual([['C', 'B'], ['A']]);
    apply(doc, patches.moveCard(doc.value, 'l2', 'a', { toList: -1 }));
    expect(texts(doc.value)).toEqual([['C', 'B', 'A'], []]);
    expect(patches.moveCard(doc.value, 'l1', 'c', { step: -1 })).toBeNull();
    expect(patches.moveCard(doc.value, 'l1', 'a', { step: 1 })).toBeNull();
    expect(patches.moveCard(doc.value, 'l1', 'a', { toList: -1 })).toBeNull();
  });

  it('a patch built on an out-of-date board fails as a whole and changes nothing', () => {
    const doc = new JsonDocument<Board>(board());
    const stale = doc.value;
    // Another tab deletes card "a" first: "b" is now at index 0, where the stale patch points at "a".
    apply(doc, patches.deleteCard(stale, 'l1', 'a'));
    const before = doc.value;
    for (const [patch, reason] of [
      [patches.deleteCard(stale, 'l1', 'b'), 'TEST_FAILED'], // index 1 is "c" now
      [patches.moveCard(stale, 'l1', 'b', { toList: 1 }), 'TEST_FAILED'],
      [patches.editCard(stale, 'l1', 'c', { old: 'C', text: 'changed' }), 'PATH_NOT_FOUND'], // index 2 is past the end
    ] as const) {
      expect(apply(doc, patch)).toMatchObject({ conflict: { reason } });
      expect(doc.value).toBe(before);
    }
  });

  it('a card edit fails when the text changed since the user started typing', () => {
    const doc = new JsonDocument<Board>(board());
    apply(doc, patches.editCard(doc.value, 'l1', 'a', { old: 'A', text: 'from another tab' }));
    const result = apply(doc, patches.editCard(doc.value, 'l1', 'a', { old: 'A', text: 'mine' }));
    expect(result).toMatchObject({ conflict: { reason: 'TEST_FAILED' } });
    expect(doc.value.lists[0]!.cards[0]!.text).toBe('from another tab');
  });

  it('refuses to build an edit of a list or card the board no longer has', () => {
    const view = board();
    expect(() => patches.deleteList(view, 'gone')).toThrow(patches.BoardEditError);
    expect(() => patches.editCard(view, 'l1', 'gone', { old: '', text: 'x' })).toThrow(
      patches.BoardEditError,
    );
  });
});
