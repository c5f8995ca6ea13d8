/**
 * The board: one JSON document, edited with JSON Patch through the Raft log (@webraft/json-doc).
 * `type` aliases, not interfaces: JsonDocument needs types that count as JSON.
 */
export type Card = { id: string; text: string };
export type List = { id: string; title: string; cards: Card[] };
export type Board = { lists: List[] };

/**
 * The document before the first patch. It must be the same on every node (every tab, every version
 * of the app that shares the cluster): a constant, with one list so a new board is usable at once.
 */
export const INITIAL_BOARD: Board = { lists: [{ id: 'todo', title: 'To do', cards: [] }] };

/** A read-only board, as the document hands it out (deeply frozen). */
export type BoardView = {
  readonly lists: readonly { readonly id: string; readonly title: string; readonly cards: readonly Card[] }[];
};

export const newId = (): string => crypto.randomUUID();
