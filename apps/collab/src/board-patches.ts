import type { JsonPatch } from '@webraft/json-doc';
import type { BoardView, Card, List } from './board.js';

/**
 * The board's edits as JSON Patches. Arrays are addressed by index, and indexes move when other tabs
 * edit, so every patch first `test`s the ids at the indexes it uses: a patch built on a board that
 * another edit changed in the meantime fails as a whole (PatchConflictError) instead of changing the
 * wrong list or card.
 */

/** Where a list is, by id; throws when it is gone (the board shown was out of date). */
function listAt(board: BoardView, listId: string): number {
  const index = board.lists.findIndex((list) => list.id === listId);
  if (index < 0) throw new BoardEditError('that list is gone');
  return index;
}

function cardAt(board: BoardView, listIndex: number, cardId: string): number {
  const index = board.lists[listIndex]!.cards.findIndex((card) => card.id === cardId);
  if (index < 0) throw new BoardEditError('that card is gone');
  return index;
}

/** An edit asked of a list or card that the board no longer has: nothing was proposed. */
export class BoardEditError extends Error {
  override name = 'BoardEditError';
}

const testList = (index: number, id: string) =>
  ({ op: 'test', path: `/lists/${index}/id`, value: id }) as const;
const testCard = (list: number, card: number, id: string) =>
  ({ op: 'test', path: `/lists/${list}/cards/${card}/id`, value: id }) as const;

export function addList(list: List): JsonPatch {
  return [{ op: 'add', path: '/lists/-', value: list }];
}

export function renameList(board: BoardView, listId: string, title: string): JsonPatch {
  const i = listAt(board, listId);
  return [testList(i, listId), { op: 'replace', path: `/lists/${i}/title`, value: title }];
}

export function deleteList(board: BoardView, listId: string): JsonPatch {
  const i = listAt(board, listId);
  return [testList(i, listId), { op: 'remove', path: `/lists/${i}` }];
}

export function addCard(board: BoardView, listId: string, card: Card): JsonPatch {
  const i = listAt(board, listId);
  return [testList(i, listId), { op: 'add', path: `/lists/${i}/cards/-`, value: card }];
}

/**
 * Guards the text the user started from (`old`) too: when another tab changed the card while this one
 * was typing, the edit fails (PatchConflictError) instead of overwriting that change unseen.
 */
export function editCard(
  board: BoardView,
  listId: string,
  cardId: string,
  edit: { old: string; text: string },
): JsonPatch {
  const i = listAt(board, listId);
  const j = cardAt(board, i, cardId);
  const { old, text } = edit;
  return [
    testList(i, listId),
    testCard(i, j, cardId),
    { op: 'test', path: `/lists/${i}/cards/${j}/text`, value: old },
    { op: 'replace', path: `/lists/${i}/cards/${j}/text`, value: text },
  ];
}

export function deleteCard(board: BoardView, listId: string, cardId: string): JsonPatch {
  const i = listAt(board, listId);
  const j = cardAt(board, i, cardId);
  return [testList(i, listId), testCard(i, j, cardId), { op: 'remove', path: `/lists/${i}/cards/${j}` }];
}

/**
 * Moves a card by `step` places within its list (-1: up, +1: down), or to the neighbouring list
 * (`toList` -1: previous, +1: next; it goes to the end). Null when there is nowhere to go.
 */
export function moveCard(
  board: BoardView,
  listId: string,
  cardId: string,
  move: { step: -1 | 1 } | { toList: -1 | 1 },
): JsonPatch | null {
  const i = listAt(board, listId);
  const j = cardAt(board, i, cardId);
  const guards = [testList(i, listId), testCard(i, j, cardId)];
  const from = `/lists/${i}/cards/${j}`;
  if ('step' in move) {
    const k = j + move.step;
    if (k < 0 || k >= board.lists[i]!.cards.length) return null;
    return [...guards, { op: 'move', from, path: `/lists/${i}/cards/${k}` }];
  }
  const target = i + move.toList;
  const to = board.lists[target];
  if (!to) return null;
  return [...guards, testList(target, to.id), { op: 'move', from, path: `/lists/${target}/cards/-` }];
}
