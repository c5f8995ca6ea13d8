import type { BoardView } from './board.js';
import { newId } from './board.js';
import type * as patches from './board-patches.js';
import { button, editableText, el, redrawKeepingFocus } from './dom.js';
import type { Edits } from './edits.js';

type Card = BoardView['lists'][number]['cards'][number];
type List = BoardView['lists'][number];

/**
 * Draws the board into `root` and turns the user's actions into edits. Titles and card texts are
 * inputs that propose their change on `change` (Enter, or leaving the field).
 */
export function drawBoard(root: HTMLElement, board: BoardView, edits: Edits): void {
  redrawKeepingFocus(root, () => [
    ...board.lists.map((list, i) => drawList(list, i, board.lists.length, edits)),
    newListForm(edits),
  ]);
}

function drawList(list: List, index: number, count: number, edits: Edits): HTMLElement {
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
  const cards = el(
    'ul',
    { 'aria-label': `Cards of ${list.title}` },
    ...list.cards.map((card, j) =>
      drawCard(list, card, { j, count: list.cards.length, index, lists: count }, edits),
    ),
  );
  return el(
    'section',
    { class: 'list', 'aria-label': `List ${list.title}` },
    header,
    cards,
    newCardForm(list, edits),
  );
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
