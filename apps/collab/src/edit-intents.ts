import type { JsonPatch } from '@webraft/json-doc';
import type { BoardView, Card, List } from './board.js';
import * as patches from './board-patches.js';

/**
 * The board's edits as plain data (what the user asked, on ids), so an edit waiting for a quorum can
 * be kept in localStorage and proposed again after a reload (waiting-store.ts). `moveCard` keeps
 * where the card was when the user moved it (`at`), which is how a replay tells it was done.
 */
export type EditIntent =
  | { kind: 'addList'; list: List }
  | { kind: 'renameList'; listId: string; title: string }
  | { kind: 'deleteList'; listId: string }
  | { kind: 'addCard'; listId: string; card: Card }
  | { kind: 'editCard'; listId: string; cardId: string; old: string; text: string }
  | { kind: 'deleteCard'; listId: string; cardId: string }
  | {
      kind: 'moveCard';
      listId: string;
      cardId: string;
      at: number;
      move: { step: -1 | 1 } | { toList: -1 | 1 };
    };

/** What each edit does, as the page says it ("Adding the card: waiting for a quorum"). */
export const WHAT: Record<EditIntent['kind'], string> = {
  addList: 'Adding the list',
  renameList: 'Renaming the list',
  deleteList: 'Deleting the list',
  addCard: 'Adding the card',
  editCard: 'Editing the card',
  deleteCard: 'Deleting the card',
  moveCard: 'Moving the card',
};

/** The edit's patch on `board` (null: nothing to do), guarded as board-patches.ts says. */
export function buildIntent(board: BoardView, intent: EditIntent): JsonPatch | null {
  switch (intent.kind) {
    case 'addList':
      return patches.addList(intent.list);
    case 'renameList':
      return patches.renameList(board, intent.listId, intent.title);
    case 'deleteList':
      return patches.deleteList(board, intent.listId);
    case 'addCard':
      return patches.addCard(board, intent.listId, intent.card);
    case 'editCard':
      return patches.editCard(board, intent.listId, intent.cardId, intent);
    case 'deleteCard':
      return patches.deleteCard(board, intent.listId, intent.cardId);
    case 'moveCard':
      return patches.moveCard(board, intent.listId, intent.cardId, intent.move);
  }
}

const cardIds = (board: BoardView) => board.lists.flatMap((list) => list.cards.map((card) => card.id));

/** Whether the board already shows what the edit did: then its earlier attempt committed. */
export function inEffect(board: BoardView, intent: EditIntent): boolean {
  const list = 'listId' in intent ? board.lists.find((l) => l.id === intent.listId) : undefined;
  switch (intent.kind) {
    case 'addList':
      return board.lists.some((l) => l.id === intent.list.id);
    case 'renameList':
      return list?.title === intent.title;
    case 'deleteList':
      return list === undefined;
    case 'addCard':
      return cardIds(board).includes(intent.card.id);
    case 'editCard':
      return list?.cards.find((card) => card.id === intent.cardId)?.text === intent.text;
    case 'deleteCard':
      return !cardIds(board).includes(intent.cardId);
    case 'moveCard':
      // Taken as done once the card left the place it was moved from (by this edit, or another first).
      return list?.cards[intent.at]?.id !== intent.cardId;
  }
}

/**
 * The patch of an edit kept from before a reload, proposed again by a new client of the core (its
 * sessions cannot tell it from the earlier attempts, packages/core/README.md, Exactly-once proposals).
 * Null when the board shows the edit done. Otherwise the patch first `test`s the whole board it was
 * built on: an earlier attempt still in some node's log can only commit before this one (a new entry
 * goes after every entry a leader may still commit), and if it does, this patch fails as a whole and is
 * built again on the board it made, which then shows it done. So the edit applies once.
 */
export function replayIntent(board: BoardView, intent: EditIntent): JsonPatch | null {
  if (inEffect(board, intent)) return null;
  const patch = buildIntent(board, intent);
  return patch && [{ op: 'test', path: '/lists', value: board.lists as List[] }, ...patch];
}

const isString = (value: unknown): value is string => typeof value === 'string';
const isCard = (value: unknown): value is Card =>
  typeof value === 'object' &&
  value !== null &&
  isString((value as Card).id) &&
  isString((value as Card).text);
const isList = (value: unknown): value is List =>
  typeof value === 'object' &&
  value !== null &&
  isString((value as List).id) &&
  isString((value as List).title) &&
  Array.isArray((value as List).cards) &&
  (value as List).cards.every(isCard);
const isUnit = (value: unknown) => value === -1 || value === 1;

/** Whether `value` (read back from localStorage) is an edit this page can propose. */
export function isIntent(value: unknown): value is EditIntent {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  switch (v.kind) {
    case 'addList':
      return isList(v.list);
    case 'renameList':
      return isString(v.listId) && isString(v.title);
    case 'deleteList':
      return isString(v.listId);
    case 'addCard':
      return isString(v.listId) && isCard(v.card);
    case 'editCard':
      return isString(v.listId) && isString(v.cardId) && isString(v.old) && isString(v.text);
    case 'deleteCard':
      return isString(v.listId) && isString(v.cardId);
    case 'moveCard': {
      const move = v.move as Record<string, unknown> | null;
      return (
        isString(v.listId) &&
        isString(v.cardId) &&
        Number.isInteger(v.at) &&
        typeof move === 'object' &&
        move !== null &&
        (isUnit(move.step) || isUnit(move.toList))
      );
    }
    default:
      return false;
  }
}
