import type { PersistedState } from '@webraft/core';
import { LocalStorageStorage, type LocalStorageStorageOptions } from '../src/index.js';
import { MemoryWebStorage } from './memory-web-storage.js';

export { testEntries as range, testEntry as entry, testSnapshot as snapshot } from '@webraft/core/testing';

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
