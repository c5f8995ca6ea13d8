import type { Entry, PersistedState, Snapshot } from '@webraft/core';
import { LocalStorageStorage, type LocalStorageStorageOptions } from '../src/index.js';
import { MemoryWebStorage } from './memory-web-storage.js';

export const entry = (index: number, term: number, data: unknown = { i: index }): Entry => ({
  index,
  term,
  kind: 'command',
  data,
});

export const range = (from: number, to: number, term: number): Entry[] =>
  Array.from({ length: to - from + 1 }, (_, k) => entry(from + k, term));

export const snapshot = (index: number, term: number, data: unknown = { at: index }): Snapshot => ({
  meta: { index, term, config: { voters: ['a', 'b', 'c'], learners: [] } },
  data,
});

/** A loaded handle for node `id` on `storage` (a new in-memory one by default). */
export async function freshStorage(
  id = 'n1',
  options: LocalStorageStorageOptions = {},
): Promise<{ storage: LocalStorageStorage; web: MemoryWebStorage }> {
  const web = (options.storage as MemoryWebStorage | undefined) ?? new MemoryWebStorage();
  const storage = new LocalStorageStorage(id, { ...options, storage: web });
  await storage.load();
  return { storage, web };
}

/** What a new handle on `web` loads for `id` (a restart). */
export async function reloaded(
  web: Storage,
  id = 'n1',
  options: LocalStorageStorageOptions = {},
): Promise<PersistedState> {
  const again = new LocalStorageStorage(id, { ...options, storage: web });
  try {
    return await again.load();
  } finally {
    await again.close();
  }
}
