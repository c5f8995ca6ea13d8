import type { BoardView } from './board.js';
import type * as patches from './board-patches.js';
import { button, editableText, el, setName, showText } from './dom.js';
import type { Edits } from './edits.js';

type Card = BoardView['lists'][number]['cards'][number];

/** Where a card is drawn: its list, its index there, and what its controls may move it to. */
export interface CardPlace {
  listId: string;
  /** The card's index in its list, and how many cards the list has. */
  j: number;
  count: number;
  /** Its list's index on the board, and how many lists the board has. */
  index: number;
  lists: number;
}

/**
 * One card's element, kept for as long as the card is on the board and updated in place: its text
 * input and its buttons stay the same elements when other cards come and go or another tab edits it,
 * so a press on one of its buttons is not lost to a redraw (a click whose button left the page
 * between mousedown and mouseup never fires) and the input keeps focus, caret and draft.
 */
export class CardView {
  readonly element: HTMLLIElement;
  private readonly text: HTMLInputElement;
  private readonly up: HTMLButtonElement;
  private readonly down: HTMLButtonElement;
  private readonly previous: HTMLButtonElement;
  private readonly next: HTMLButtonElement;
  private readonly remove: HTMLButtonElement;
  private card: Card | null = null;
  private place: CardPlace;

  constructor(card: Card, place: CardPlace, edits: Edits) {
    this.place = place;
    const id = card.id;
    const key = (action: string) => `card:${id}:${action}`;
    // The handlers read the card's place when they run: the card may have moved since it was drawn.
    this.text = editableText(
      el('input', { 'aria-label': 'Card text', 'data-key': key('text'), class: 'card-text' }),
      card.text,
      (old, text) => edits.runIntent({ kind: 'editCard', listId: this.place.listId, cardId: id, old, text }),
    );
    const move = (how: Parameters<typeof patches.moveCard>[3]) => () => {
      const { listId, j } = this.place;
      void edits.runIntent({ kind: 'moveCard', listId, cardId: id, at: j, move: how });
    };
    this.up = button('↑', '', key('up'), move({ step: -1 }));
    this.down = button('↓', '', key('down'), move({ step: 1 }));
    this.previous = button('←', '', key('prev'), move({ toList: -1 }));
    this.next = button('→', '', key('next'), move({ toList: 1 }));
    this.remove = button('✕', '', key('delete'), () => {
      void edits.runIntent({ kind: 'deleteCard', listId: this.place.listId, cardId: id });
    });
    const controls = [this.up, this.down, this.previous, this.next, this.remove];
    this.element = el(
      'li',
      { class: 'card' },
      this.text,
      el('span', { class: 'card-controls' }, ...controls),
    );
    this.update(card, place);
  }

  /** Shows `card` at `place`; nothing to do when both are what is shown (an unchanged card). */
  update(card: Card, place: CardPlace): void {
    const moved = !samePlace(place, this.place);
    if (card === this.card && !moved) return;
    this.place = place;
    if (this.card === null || card.text !== this.card.text) {
      showText(this.text, card.text);
      setName(this.up, `Move "${card.text}" up`);
      setName(this.down, `Move "${card.text}" down`);
      setName(this.previous, `Move "${card.text}" to the previous list`);
      setName(this.next, `Move "${card.text}" to the next list`);
      setName(this.remove, `Delete "${card.text}"`);
    }
    this.card = card;
    // A move the card cannot make is hidden, not removed: its buttons keep their places.
    this.up.hidden = place.j === 0;
    this.down.hidden = place.j === place.count - 1;
    this.previous.hidden = place.index === 0;
    this.next.hidden = place.index === place.lists - 1;
  }
}

function samePlace(a: CardPlace, b: CardPlace): boolean {
  return (
    a.listId === b.listId && a.j === b.j && a.count === b.count && a.index === b.index && a.lists === b.lists
  );
}
