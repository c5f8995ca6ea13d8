import type { Entry, Snapshot } from '../protocol/types.js';

/*
 * Builders of log entries and snapshots for the storage adapters' own tests (each package's
 * test/helpers.ts), so every adapter tests with the same records.
 */

/** A command entry; its data names its index unless given. */
export const testEntry = (index: number, term: number, data: unknown = { i: index }): Entry => ({
  index,
  term,
  kind: 'command',
  data,
});

/** Command entries `from..to`, all of `term`. */
export const testEntries = (from: number, to: number, term: number): Entry[] =>
  Array.from({ length: to - from + 1 }, (_, k) => testEntry(from + k, term));

/** A snapshot at `index` of a cluster of a, b and c. */
export const testSnapshot = (index: number, term: number, data: unknown = { at: index }): Snapshot => ({
  meta: { index, term, config: { voters: ['a', 'b', 'c'], learners: [] } },
  data,
});
