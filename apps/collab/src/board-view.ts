import { addForm } from './add-form.js';
import type { BoardView } from './board.js';
import { newId } from './board.js';
import { CardView } from './card-view.js';
import { placeChildren, updateKeepingFocus } from './dom.js';
import type { Edits } from './edits.js';
import { KeyedViews } from './keyed-views.js';
import { ListView } from './list-view.js';

type List = BoardView['lists'][number];

/**
 * Draws boards into `root` and turns the user's actions into edits.
 *
 * Every list and card keeps one element (`ListView`, `CardView`) for as long as it is on the board,
 * found by its id and updated in place: a committed edit costs the tabs the few nodes it changed, not
 * the whole board (every tab draws every committed edit, and the time it takes stands between that tab
 * and its next Raft message: README, Edit latency); and a control the user is pressing or typing in
 * is never replaced under them by another tab's edit.
 */
export function boardDrawer(root: HTMLElement, edits: Edits): (board: BoardView) => void {
  const lists = new KeyedViews<ListView>();
  const cards = new KeyedViews<CardView>();
  const listForm = addForm('New list', 'Add the list', 'new-list', (title) => {
    void edits.runIntent({ kind: 'addList', list: { id: newId(), title, cards: [] } });
  });
  return (board) => {
    lists.begin();
    cards.begin();
    const drawCards = (list: List, index: number) =>
      list.cards.map((card, j) => {
        const place = { listId: list.id, j, count: list.cards.length, index, lists: board.lists.length };
        const { view, made } = cards.get(card.id, () => new CardView(card, place, edits));
        if (!made) view.update(card, place);
        return view.element;
      });
    const elements = board.lists.map((list, index) => {
      const { view } = lists.get(list.id, () => new ListView(list, edits));
      view.update(list, (shown) => drawCards(shown, index));
      return view.element;
    });
    lists.end();
    cards.end();
    updateKeepingFocus(root, () => placeChildren(root, [...elements, listForm]));
  };
}
