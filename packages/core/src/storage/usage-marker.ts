import { StorageLostError } from '../errors.js';

/**
 * Whether a node id has ever persisted data, recorded OUTSIDE that node's store (for tabs: by
 * `@webraft/tab`, in localStorage), so it survives the store being evicted or cleared.
 *
 * Why it matters: a node that comes back empty under an id it used before has forgotten its term and
 * vote and could vote twice in one term (election safety, paper 5.2). An adapter given a marker calls
 * `markUsed()` once its first batch is durable, and `load()` of an empty store whose marker says
 * "used" fails with `StorageLostError` instead of starting empty. The node must rejoin under a new id.
 */
export interface UsageMarker {
  /** True when this id wrote data before. */
  wasUsed(): boolean;
  /** Records that this id has durable data. Called after the write, so a crash before it loses nothing. */
  markUsed(): void;
}

/** What an adapter's `load()` calls when it found nothing stored: throws if the id was used before. */
export function refuseLostStorage(nodeId: string, usage: UsageMarker | undefined): void {
  if (usage?.wasUsed()) throw new StorageLostError(nodeId);
}
