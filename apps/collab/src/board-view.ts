import type { BoardView } from './board.js';
import { newId } from './board.js';
import type * as patches from './board-patches.js';
import { button, editableText, el, placeChildren, updateKeepingFocus } from './dom.js';
import type { Edits } from './edits.js';

type Card = BoardView['lists'][number]['cards'][number];
type List = BoardView['lists'][number];

/**
 * Draws boards into `root` and turns the user's actions into edits. Titles and card texts are inputs
 * that propose their change on `change` (Enter, or leaving the field).
 *
 * Each drawing reuses the elements of the previous one wherever the board did not change: the
 * document shares every unchanged list and card with its previous version (json-doc's copy-on-write),
 * so an element drawn for a list or card object, at the same place, is still right. An edit then costs
 * its tabs the few elements it changed, not the whole board: every tab draws every committed edit, and
 * the time it takes stands between that tab and its next Raft message (README, Edit latency).
 */
export function boardDrawer(root: HTMLElement, edits: Edits): (board: BoardView) => void {
  const lists = new WeakMap<List, Drawn>();
  const cards = new WeakMap<Card, Drawn>();
  /** The new-card form of each list, by list id, kept while its title stays (and the text typed in it). */
  const forms = new Map<string, { title: string; form: HTMLFormElement }>();
  const listForm = newListForm(edits);
  return (board) => {
    // An object found twice in one board (a JSON Patch `copy` shares it) gets an element per place.
    const used = new Set<Node>();
    const reuse = <T extends object>(cache: WeakMap<T, Drawn>, value: T, place: string) => {
      const drawn = cache.get(value);
      if (!drawn || drawn.place !== place || used.has(drawn.element)) return null;
      used.add(drawn.element);
      return drawn.element;
    };
    const drawn = <T extends object>(
      cache: WeakMap<T, Drawn>,
      value: T,
      place: string,
      element: HTMLElement,
    ) => {
      cache.set(value, { place, element });
      used.add(element);
      return element;
    };
    const formOf = (list: List) => {
      const kept = forms.get(list.id);
      if (kept && kept.title === list.title && !used.has(kept.form)) {
        used.add(kept.form);
        return kept.form;
      }
      const form = newCardForm(list, edits);
      forms.set(list.id, { title: list.title, form });
      used.add(form);
      return form;
    };
    const count = board.lists.length;
    const elements = board.lists.map((list, index) => {
      const place = `${index}/${count}`;
      const reused = reuse(lists, list, place);
      if (reused) return reused;
      const cardElements = list.cards.map((card, j) => {
        const at = { j, count: list.cards.length, index, lists: count };
        const cardPlace = `${list.id}|${j}/${at.count}|${place}`;
        return (
          reuse(cards, card, cardPlace) ?? drawn(cards, card, cardPlace, drawCard(list, card, at, edits))
        );
      });
      return drawn(lists, list, place, drawList(list, cardElements, formOf(list), edits));
    });
    for (const id of forms.keys()) if (!board.lists.some((list) => list.id === id)) forms.delete(id);
    updateKeepingFocus(root, () => placeChildren(root, [...elements, listForm]));
  };
}

/** An element drawn for a list or card object, and the place it was drawn for. */
interface Drawn {
  place: string;
  element: HTMLElement;
}

function drawList(list: List, cards: HTMLElement[], form: HTMLFormElement, edits: Edits): HTMLElement {
  const title = editableText(
    el('input', {
      'aria-label': `Title of list ${list.title}`,
      'data-key': `list:${list.id}:title`,
      class: 'list-title',
    }),
    list.title,
    (_old, title) => edits.runIntent({ kind: 'renameList', listId: list.id, title }),
  );
  const header = el(
    'header',
    {},
    title,
    button('✕', `Delete list ${list.title}`, `list:${list.id}:delete`, () => {
      void edits.runIntent({ kind: 'deleteList', listId: list.id });
    }),
  );
  const cardList = el('ul', { 'aria-label': `Cards of ${list.title}` }, ...cards);
  return el('section', { class: 'list', 'aria-label': `List ${list.title}` }, header, cardList, form);
}

interface Place {
  j: number;
  count: number;
  index: number;
  lists: number;
}

function drawCard(list: List, card: Card, at: Place, edits: Edits): HTMLElement {
  const text = editableText(
    el('input', { 'aria-label': 'Card text', 'data-key': `card:${card.id}:text`, class: 'card-text' }),
    card.text,
    (old, text) => edits.runIntent({ kind: 'editCard', listId: list.id, cardId: card.id, old, text }),
  );
  const move = (how: Parameters<typeof patches.moveCard>[3]) => () => {
    void edits.runIntent({ kind: 'moveCard', listId: list.id, cardId: card.id, at: at.j, move: how });
  };
  const key = (action: string) => `card:${card.id}:${action}`;
  const controls = [
    at.j > 0 ? button('↑', `Move "${card.text}" up`, key('up'), move({ step: -1 })) : null,
    at.j < at.count - 1 ? button('↓', `Move "${card.text}" down`, key('down'), move({ step: 1 })) : null,
    at.index > 0
      ? button('←', `Move "${card.text}" to the previous list`, key('prev'), move({ toList: -1 }))
      : null,
    at.index < at.lists - 1
      ? button('→', `Move "${card.text}" to the next list`, key('next'), move({ toList: 1 }))
      : null,
    button('✕', `Delete "${card.text}"`, key('delete'), () => {
      void edits.runIntent({ kind: 'deleteCard', listId: list.id, cardId: card.id });
    }),
  ].filter((control) => control !== null);
  return el('li', { class: 'card' }, text, el('span', { class: 'card-controls' }, ...controls));
}

/** A labelled input and its submit button; `submit(text)` once the user adds something not blank. */
function addForm(
  label: string,
  buttonLabel: string,
  key: string,
  submit: (text: string) => void,
): HTMLFormElement {
  const input = el('input', { 'aria-label': label, placeholder: label, 'data-key': `${key}:input` });
  const add = el('button', {
    type: 'submit',
    text: 'Add',
    'aria-label': buttonLabel,
    'data-key': `${key}:add`,
  });
  const form = el('form', { class: 'add-form' }, input, add);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = '';
    submit(text);
  });
  return form;
}

function newCardForm(list: List, edits: Edits): HTMLFormElement {
  return addForm(
    `New card in ${list.title}`,
    `Add the card to ${list.title}`,
    `list:${list.id}:new-card`,
    (text) => {
      const card = { id: newId(), text };
      void edits.runIntent({ kind: 'addCard', listId: list.id, card });
    },
  );
}

function newListForm(edits: Edits): HTMLFormElement {
  return addForm('New list', 'Add the list', 'new-list', (title) => {
    const list = { id: newId(), title, cards: [] };
    void edits.runIntent({ kind: 'addList', list });
  });
}
