import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HardState, PersistedState } from '@webraft/core';
import { afterAll } from 'vitest';
import { FileStorage } from '../src/index.js';

/** A temporary root for this test file, removed after it. */
export function tempRoot(label: string): () => string {
  const root = mkdtempSync(join(tmpdir(), `webraft-file-${label}-`));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  let n = 0;
  return () => join(root, `store-${n++}`);
}

export { testEntries as range } from '@webraft/core/testing';

export const hard = (term: number, vote: string | null, commit: number): HardState => ({
  term,
  vote,
  commit,
});
export const CONFIG = { voters: ['n1', 'n2', 'n3'], learners: [] };

/** What a fresh handle loads from `dir` (then closed: every handle here is closed). */
export async function loadOnce(dir: string): Promise<PersistedState> {
  const storage = new FileStorage(dir);
  try {
    return await storage.load();
  } finally {
    await storage.close();
  }
}
