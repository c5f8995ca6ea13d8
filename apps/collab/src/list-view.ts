import { addForm, relabelAddForm } from './add-form.js';
import type { BoardView } from './board.js';
import { newId } from './board.js';
import { button, editableText, el, placeChildren, setName, showText } from './dom.js';
import type { Edits } from './edits.js';

type List = BoardView['lists'][number];

/**
 * One list's section, kept for as long as the list is on the board and updated in place, as
 * `CardView` is: its title, its new-card form (and what is typed in it) and its buttons stay the same
 * elements while cards are added, edited and moved, here or in another tab.
 */
export class ListView {
  readonly element: HTMLElement;
  private readonly title: HTMLInputElement;
  private readonly remove: HTMLButtonElement;
  private readonly cards: HTMLUListElement;
  private readonly form: HTMLFormElement;
  private shownTitle: string | null = null;

  constructor(list: List, edits: Edits) {
    const id = list.id;
    this.title = editableText(
      el('input', { 'data-key': `list:${id}:title`, class: 'list-title' }),
      list.title,
      (_old, title) => edits.runIntent({ kind: 'renameList', listId: id, title }),
    );
    this.remove = button('✕', '', `list:${id}:delete`, () => {
      void edits.runIntent({ kind: 'deleteList', listId: id });
    });
    this.cards = el('ul');
    this.form = addForm('', '', `list:${id}:new-card`, (text) => {
      void edits.runIntent({ kind: 'addCard', listId: id, card: { id: newId(), text } });
    });
    this.element = el(
      'section',
      { class: 'list' },
      el('header', {}, this.title, this.remove),
      this.cards,
      this.form,
    );
  }

  /**
   * Shows `list`, with `drawCards` giving its cards' elements. The cards are drawn and placed even
   * when the list did not change (each `CardView` returns at once then): that is how the drawer knows
   * they are still on the board, and a card id the board holds twice (see `KeyedViews`) may have
   * handed one of this list's elements to another place.
   */
  update(list: List, drawCards: (list: List) => HTMLElement[]): void {
    placeChildren(this.cards, drawCards(list));
    if (list.title === this.shownTitle) return;
    this.shownTitle = list.title;
    showText(this.title, list.title);
    this.title.setAttribute('aria-label', `Title of list ${list.title}`);
    setName(this.remove, `Delete list ${list.title}`);
    this.cards.setAttribute('aria-label', `Cards of ${list.title}`);
    this.element.setAttribute('aria-label', `List ${list.title}`);
    relabelAddForm(this.form, `New card in ${list.title}`, `Add the card to ${list.title}`);
  }
}
