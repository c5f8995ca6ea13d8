import type { RegistryState, ShardRecord } from './registry-state.js';

/**
 * Compares ids as the seed numbers them: numeric ids by value (2 before 10), others as text, numbers
 * first. The same on every member (no locale).
 */
export function compareIds(a: string, b: string): number {
  const na = /^\d+$/.test(a);
  const nb = /^\d+$/.test(b);
  if (na && nb) return Number(a) - Number(b) || (a < b ? -1 : a > b ? 1 : 0);
  if (na !== nb) return na ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The placement rule: the shards an upload of `size` bytes named `name` may go to, in the order to try
 * them. Enabled shards with room for it that do not hold the name yet, the most free bytes first, ties
 * by id. Most-free-first fills shards evenly, so a shard added later takes uploads until it caught up.
 */
export function placeUpload(state: RegistryState, size: number, name: string): ShardRecord[] {
  return state.shards
    .filter((s) => !s.readOnly && s.capacity - s.used >= size && state.file(s.id, name) === undefined)
    .sort((a, b) => b.capacity - b.used - (a.capacity - a.used) || compareIds(a.id, b.id));
}
