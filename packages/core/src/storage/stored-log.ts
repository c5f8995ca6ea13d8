import type { HardState } from '../protocol/types.js';
import type { PersistPlan } from './plan-persist.js';
import { EMPTY_HARD_STATE, type PersistedState } from './types.js';

/**
 * The shape of what a storage adapter holds, kept in memory beside the store: the snapshot's index and
 * term, the term of every stored entry and the hard state. It is what `planPersist` checks a batch
 * against, so an adapter never reads its store to validate a write.
 *
 * Terms are kept run-length encoded (a term changes only at an election), so a log of 100,000 entries
 * written in one term costs one run.
 */
export class StoredLog {
  #snapshotIndex = 0;
  #snapshotTerm = 0;
  #lastIndex = 0;
  /** `runStarts[k]` is the first index of run k, `runTerms[k]` its term; runs cover firstIndex..lastIndex. */
  #runStarts: number[] = [];
  #runTerms: number[] = [];
  #hardState: HardState = { ...EMPTY_HARD_STATE };

  static empty(): StoredLog {
    return new StoredLog();
  }

  /** The mirror of a loaded state (which `checkLoadedState` has checked). */
  static from(state: PersistedState): StoredLog {
    const log = new StoredLog();
    log.#hardState = state.hardState;
    if (state.snapshot) {
      log.#snapshotIndex = state.snapshot.meta.index;
      log.#snapshotTerm = state.snapshot.meta.term;
    }
    log.#lastIndex = log.#snapshotIndex;
    for (const entry of state.entries) log.#push(entry.index, entry.term);
    return log;
  }

  get snapshotIndex(): number {
    return this.#snapshotIndex;
  }
  get snapshotTerm(): number {
    return this.#snapshotTerm;
  }
  /** Index of the first stored entry (`snapshotIndex + 1`, also when no entry is stored). */
  get firstIndex(): number {
    return this.#snapshotIndex + 1;
  }
  /** Index of the last stored entry, or the snapshot's index when none is stored. */
  get lastIndex(): number {
    return this.#lastIndex;
  }
  get hardState(): HardState {
    return this.#hardState;
  }
  /** Nothing was ever written: no entry, no snapshot, the empty hard state. */
  get isEmpty(): boolean {
    const hs = this.#hardState;
    return (
      this.#lastIndex === 0 &&
      hs.term === 0 &&
      hs.vote === null &&
      hs.commit === 0 &&
      hs.cluster === undefined
    );
  }

  /** The term at `index`: the snapshot's at its index, undefined before it or beyond the log. */
  termAt(index: number): number | undefined {
    if (index === this.#snapshotIndex) return this.#snapshotTerm;
    if (index < this.#snapshotIndex || index > this.#lastIndex) return undefined;
    const starts = this.#runStarts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] as number) <= index) lo = mid;
      else hi = mid - 1;
    }
    return this.#runTerms[lo];
  }

  /** Records a plan whose write is durable. The steps follow the order `planPersist` documents. */
  apply(plan: PersistPlan): void {
    if (plan.deleteFrom !== null) this.#truncateFrom(plan.deleteFrom);
    if (plan.snapshot) {
      this.#snapshotIndex = plan.snapshot.meta.index;
      this.#snapshotTerm = plan.snapshot.meta.term;
      this.#lastIndex = Math.max(this.#lastIndex, this.#snapshotIndex);
      this.#dropThrough(this.#snapshotIndex);
    }
    for (const entry of plan.append) this.#push(entry.index, entry.term);
    if (plan.hardState) this.#hardState = plan.hardState;
  }

  #push(index: number, term: number): void {
    const runs = this.#runTerms.length;
    if (runs === 0 || this.#runTerms[runs - 1] !== term) {
      this.#runStarts.push(index);
      this.#runTerms.push(term);
    }
    this.#lastIndex = index;
  }

  /** Forgets entries at `index` and above. */
  #truncateFrom(index: number): void {
    const starts = this.#runStarts;
    while (starts.length > 0 && (starts[starts.length - 1] as number) >= index) {
      starts.pop();
      this.#runTerms.pop();
    }
    this.#lastIndex = Math.max(this.#snapshotIndex, Math.min(this.#lastIndex, index - 1));
  }

  /** Forgets entries at `index` and below (the snapshot now covers them). */
  #dropThrough(index: number): void {
    const starts = this.#runStarts;
    let keepFrom = 0;
    while (keepFrom + 1 < starts.length && (starts[keepFrom + 1] as number) <= index + 1) keepFrom++;
    if (keepFrom > 0) {
      starts.splice(0, keepFrom);
      this.#runTerms.splice(0, keepFrom);
    }
    if (starts.length > 0) {
      if (index >= this.#lastIndex) {
        starts.length = 0;
        this.#runTerms.length = 0;
      } else if ((starts[0] as number) <= index) starts[0] = index + 1;
    }
  }
}
