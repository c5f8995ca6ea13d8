import type { Entry, HardState, Snapshot } from '../protocol/types.js';

/**
 * One atomic write. An adapter applies all of it or none of it (docs/architecture.md, Storage contract), in
 * this order:
 * 1. `snapshot`: a snapshot received from the leader. Replaces the stored snapshot and discards every
 *    stored entry (the log restarts after the snapshot).
 * 2. `entries`: appended to the log. Stored entries at `entries[0].index` and above are discarded first
 *    (a conflicting suffix, paper 5.3). Indexes are consecutive.
 * 3. `compaction`: a snapshot this node took of its own state machine. Replaces the stored snapshot and
 *    discards entries up to and including `compaction.meta.index`; later entries stay.
 * 4. `hardState`: replaces the stored term, vote and commit.
 */
export interface PersistBatch {
  snapshot?: Snapshot;
  entries?: readonly Entry[];
  compaction?: Snapshot;
  hardState?: HardState;
}

/** What `load()` returns: everything a restarted node needs. A never-used storage returns the empty state. */
export interface PersistedState {
  hardState: HardState;
  snapshot: Snapshot | null;
  /** The entries after the snapshot (or from index 1), in order. */
  entries: Entry[];
}

/**
 * Durable storage for one node. Calls are never concurrent: the runtime awaits each before the next.
 * Rejections must be `StorageError`s (or are wrapped into one); a rejected `persist` wrote nothing.
 */
export interface RaftStorage {
  load(): Promise<PersistedState>;
  persist(batch: PersistBatch): Promise<void>;
  /**
   * Releases connections and handles. A later `load()` opens the storage again, with its data: a
   * node restarted over the same storage object (packages/core/README.md, Storage and restarts).
   */
  close?(): Promise<void>;
}

export const EMPTY_HARD_STATE: HardState = Object.freeze({ term: 0, vote: null, commit: 0 }) as HardState;
