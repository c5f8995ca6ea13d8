import type { Entry, HardState, Snapshot } from '../protocol/types.js';
import type { PersistPlan } from './plan-persist.js';

/**
 * Everything a store holds, in memory: what `load()` returns. Invariant: `entries[i].index ===
 * base + 1 + i`, where `base` is the snapshot's index (0 without one).
 */
export interface StoredImage {
  hardState: HardState;
  snapshot: Snapshot | null;
  entries: Entry[];
}

/**
 * Writes a planned batch onto an image, in the order `planPersist` documents. For adapters that keep
 * or rebuild the whole state in memory (the memory storage; a write-ahead log replaying its records).
 */
export function applyPlan(image: StoredImage, plan: PersistPlan): void {
  const base = image.snapshot?.meta.index ?? 0;
  if (plan.deleteFrom !== null) image.entries.length = Math.max(0, plan.deleteFrom - base - 1);
  if (plan.snapshot) {
    image.entries = image.entries.slice(plan.snapshot.meta.index - base);
    image.snapshot = plan.snapshot;
  }
  for (const e of plan.append) image.entries.push(e);
  if (plan.hardState) image.hardState = plan.hardState;
}
