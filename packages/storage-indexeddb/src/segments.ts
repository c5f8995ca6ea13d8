import type { Entry, PersistPlan } from '@webraft/core';
import { MAX_SEGMENT_ENTRIES } from './schema.js';

/** Keep entries `from..to` of the stored segment `source`, stored again under the key `from`. */
export interface Rewrite {
  source: number;
  from: number;
  to: number;
}

/** The writes of one batch to the `log` store, and how the layout changes once they are durable. */
export interface SegmentWrites {
  /** Delete segments whose key is >= this (a conflicting suffix, or the whole log). */
  deleteFrom: number | null;
  /** Delete segments whose key is <= this (the new snapshot covers them). */
  deleteThrough: number | null;
  /** At most two segments cut where a delete falls inside them: read first, written after the deletes. */
  rewrites: Rewrite[];
  /** New segments, each stored under the index of its first entry. */
  appends: (readonly Entry[])[];
  /** The layout after: `starts[head..count)`, with `newHead` in front, then the appended starts. */
  count: number;
  head: number;
  newHead: number | null;
}

/**
 * Where the stored segments start, kept in memory beside the store (as `StoredLog` keeps the terms),
 * so a batch is planned without reading the store. The segments cover the log from the first stored
 * entry to the last without a gap: segment `j` ends where segment `j + 1` starts, the last one at the
 * log's last index.
 */
export class SegmentLayout {
  #starts: number[];

  constructor(starts: number[] = []) {
    this.#starts = starts;
  }

  get starts(): readonly number[] {
    return this.#starts;
  }

  /**
   * The `log` writes of `plan`, against this layout and a log whose last index is `lastIndex`. Reads
   * nothing and changes nothing: `apply` records the result once the transaction completed.
   */
  plan(plan: PersistPlan, lastIndex: number): SegmentWrites {
    const starts = this.#starts;
    let count = starts.length;
    let last = lastIndex;
    let head = 0;
    let newHead: number | null = null;
    let rewrites: Rewrite[] = [];
    let deleteFrom: number | null = null;
    let deleteThrough: number | null = null;

    // 1. A conflicting suffix (or the whole log, under a snapshot from the leader).
    const cut = plan.deleteFrom;
    if (cut !== null && count > 0 && cut <= last) {
      const j = findSegment(starts, count, cut);
      deleteFrom = cut;
      if (j >= 0 && (starts[j] as number) < cut) {
        rewrites.push({ source: starts[j] as number, from: starts[j] as number, to: cut - 1 });
        count = j + 1;
      } else count = Math.max(j, 0);
      last = cut - 1;
    }

    // 2. What the new snapshot covers.
    const through = plan.deleteThrough;
    if (plan.snapshot !== null && count > 0 && through >= (starts[0] as number)) {
      const j = findSegment(starts, count, through);
      const end = j + 1 < count ? (starts[j + 1] as number) - 1 : last;
      deleteThrough = through;
      head = j + 1;
      rewrites = rewrites.filter((r) => r.to > through);
      if (end > through) {
        const cutAgain = rewrites.find((r) => r.source === starts[j]);
        if (cutAgain) cutAgain.from = through + 1;
        else rewrites.push({ source: starts[j] as number, from: through + 1, to: end });
        newHead = through + 1;
      }
    }

    // 3. The new entries: one segment per batch, or a few for a long batch.
    const appends: (readonly Entry[])[] = [];
    for (let k = 0; k < plan.append.length; k += MAX_SEGMENT_ENTRIES) {
      appends.push(
        plan.append.length <= MAX_SEGMENT_ENTRIES
          ? plan.append
          : plan.append.slice(k, k + MAX_SEGMENT_ENTRIES),
      );
    }
    return { deleteFrom, deleteThrough, rewrites, appends, count, head, newHead };
  }

  /** Records writes that are durable. */
  apply(writes: SegmentWrites): void {
    const starts = this.#starts;
    starts.length = writes.count;
    if (writes.newHead !== null) starts.splice(0, writes.head, writes.newHead);
    else if (writes.head > 0) starts.splice(0, writes.head);
    for (const segment of writes.appends) starts.push((segment[0] as Entry).index);
  }
}

/** The last segment among `starts[0..count)` that starts at or before `index`, or -1. */
function findSegment(starts: readonly number[], count: number, index: number): number {
  let lo = 0;
  let hi = count - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((starts[mid] as number) <= index) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}
