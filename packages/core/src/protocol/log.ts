import { measureEntry, sizeFromData } from './entry-size.js';
import type { Entry, Snapshot, SnapshotMeta } from './types.js';

/** What the log hands out when there is nothing: shared, so it must never change. */
const NO_ENTRIES: readonly Entry[] = Object.freeze([]);

/**
 * The replicated log as one node holds it in memory: a snapshot prefix, then the entries after it
 * (paper section 7). It tracks three points:
 * - `stabled`: the last index known durable in storage (entries after it still have to be written);
 * - `committed`: the last index known committed;
 * - `applying`: the last index handed out to be applied.
 * Invariant: snapshot.index <= applying <= committed, and applying <= stabled.
 */
export class RaftLog {
  /** Index and term of the last entry covered by the snapshot (0, 0 for none). */
  snapshotIndex = 0;
  snapshotTerm = 0;
  /** entries[i] has index snapshotIndex + 1 + i. */
  entries: Entry[] = [];
  committed = 0;
  applying = 0;
  stabled = 0;
  /** A snapshot received from the leader that still has to be persisted and restored. */
  pendingSnapshot: Snapshot | null = null;
  /** Encoded size of entries[i] (0 until known); may be shorter than `entries`. */
  private sizes: number[] = [];

  /** Restores what storage loaded (a restart). Everything loaded is durable. */
  static fromStorage(snapshotMeta: SnapshotMeta | null, entries: Entry[], commit: number): RaftLog {
    const log = new RaftLog();
    if (snapshotMeta) {
      log.snapshotIndex = snapshotMeta.index;
      log.snapshotTerm = snapshotMeta.term;
    }
    // Copied into a packed array, element by element: storage may hand back a holey one (structuredClone
    // makes them, even of []; Array.from and spread keep them holey), every entry appended later would
    // keep it holey, and the appends sliced from it would take JSON.stringify's slow path.
    for (const e of entries) log.entries.push(e);
    log.stabled = log.lastIndex();
    // A persisted commit beyond what the log holds cannot be trusted for applying.
    log.committed = Math.min(Math.max(commit, log.snapshotIndex), log.lastIndex());
    log.applying = log.snapshotIndex;
    return log;
  }

  firstIndex(): number {
    return this.snapshotIndex + 1;
  }

  lastIndex(): number {
    return this.snapshotIndex + this.entries.length;
  }

  lastTerm(): number {
    const n = this.entries.length;
    return n === 0 ? this.snapshotTerm : this.entries[n - 1]!.term;
  }

  /** The term of the entry at `index`, or undefined when it is compacted away or beyond the log. */
  term(index: number): number | undefined {
    if (index === this.snapshotIndex) return this.snapshotTerm;
    if (index < this.snapshotIndex || index > this.lastIndex()) return undefined;
    return this.entries[index - this.snapshotIndex - 1]!.term;
  }

  entry(index: number): Entry | undefined {
    if (index <= this.snapshotIndex) return undefined;
    return this.entries[index - this.snapshotIndex - 1];
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /**
   * The voting rule of paper 5.4.1: a candidate's log is at least as up to date as ours when its last
   * term is higher, or the last terms are equal and its log is at least as long.
   */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const ourTerm = this.lastTerm();
    return lastTerm > ourTerm || (lastTerm === ourTerm && lastIndex >= this.lastIndex());
  }

  /**
   * Entries in [lo, hi] (inclusive), at most `maxCount` and, beyond the first, at most `maxChars` of
   * encoded size. `lo` must be after the snapshot.
   */
  slice(lo: number, hi: number, maxCount: number, maxChars = Number.POSITIVE_INFINITY): Entry[] {
    const from = lo - this.snapshotIndex - 1;
    let to = Math.min(hi, lo + maxCount - 1) - this.snapshotIndex;
    if (maxChars !== Number.POSITIVE_INFINITY) {
      const sizes = this.sizes;
      while (sizes.length < to) sizes.push(0);
      let chars = 0;
      for (let i = from; i < to; i++) {
        let size = sizes[i]!;
        if (size === 0) {
          size = measureEntry(this.entries[i]!);
          sizes[i] = size;
        }
        chars += size;
        if (chars > maxChars && i > from) {
          to = i;
          break;
        }
      }
    }
    return this.entries.slice(from, to);
  }

  /** Leader append: entries must continue the log. `dataLengths[i]`: encoded length of entries[i].data, if known. */
  append(entries: Entry[], dataLengths?: readonly (number | undefined)[]): void {
    const sizes = this.sizes;
    while (sizes.length < this.entries.length) sizes.push(0);
    for (let i = 0; i < entries.length; i++) {
      this.entries.push(entries[i]!);
      sizes.push(sizeFromData(dataLengths?.[i]));
    }
  }

  /**
   * Follower side of AppendEntries (paper 5.3): if our log has an entry at `prevIndex` with
   * `prevTerm`, append the new entries, deleting an existing entry and all that follow it when it
   * conflicts (same index, different term), and never touching entries that agree (an old, reordered
   * append must not truncate a longer log). Returns the first index written (0 if nothing was), or
   * undefined when the consistency check fails; on success the log matches the leader's up to
   * `prevIndex + entries.length`.
   */
  maybeAppend(prevIndex: number, prevTerm: number, entries: Entry[]): number | undefined {
    if (!this.matchTerm(prevIndex, prevTerm)) return undefined;
    const conflict = this.findConflict(entries);
    if (conflict !== 0) {
      if (conflict <= this.committed) {
        // Leader completeness (5.4) guarantees this cannot happen with a correct leader.
        throw new Error(`log conflict at ${conflict} below the commit index ${this.committed}`);
      }
      // Past our last index there is nothing to drop (the common case: new entries, appended).
      if (conflict <= this.lastIndex()) this.truncateFrom(conflict);
      const start = conflict - (prevIndex + 1);
      for (let i = start; i < entries.length; i++) this.entries.push(entries[i]!);
    }
    return conflict;
  }

  /** The first index where `entries` disagree with our log or go beyond it; 0 when all agree. */
  private findConflict(entries: Entry[]): number {
    for (const e of entries) {
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  /** Drops entries from `index` on. Storage learns of it because `stabled` falls back. */
  private truncateFrom(index: number): void {
    this.entries.length = index - this.snapshotIndex - 1;
    if (this.sizes.length > this.entries.length) this.sizes.length = this.entries.length;
    if (this.stabled >= index) this.stabled = index - 1;
  }

  /**
   * Fast backtracking (paper 5.3, etcd's findConflictByTerm): the largest index <= `index` whose term
   * is <= `term`. A follower uses it to tell the leader where its log can match; the leader uses it
   * with the follower's hint to skip a whole term of mismatches per round trip.
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    let i = Math.min(index, this.lastIndex());
    for (; i > this.snapshotIndex; i--) {
      const t = this.term(i)!;
      if (t <= term) return { index: i, term: t };
    }
    return { index: this.snapshotIndex, term: this.snapshotTerm };
  }

  commitTo(index: number): boolean {
    if (index > this.committed) {
      this.committed = Math.min(index, this.lastIndex());
      return true;
    }
    return false;
  }

  /** Entries not yet durable, to persist. */
  unstableEntries(): readonly Entry[] {
    if (this.stabled >= this.lastIndex()) return NO_ENTRIES;
    return this.entries.slice(this.stabled - this.snapshotIndex);
  }

  /** Storage has written entries up to `index` of `term` (ignored if the log changed meanwhile). */
  stableTo(index: number, term: number): boolean {
    if (index > this.stabled && this.matchTerm(index, term)) {
      this.stabled = index;
      return true;
    }
    return false;
  }

  /** Committed, durable entries that are not yet handed out to be applied, at most `maxCount`. */
  nextCommitted(maxCount: number): readonly Entry[] {
    const hi = Math.min(this.committed, this.stabled);
    if (this.pendingSnapshot || hi <= this.applying) return NO_ENTRIES;
    return this.slice(this.applying + 1, hi, maxCount);
  }

  hasNextCommitted(): boolean {
    return !this.pendingSnapshot && Math.min(this.committed, this.stabled) > this.applying;
  }

  /** Installs a snapshot from the leader: the whole log is replaced (paper 7, "discard the entire log"). */
  restore(snapshot: Snapshot): void {
    this.snapshotIndex = snapshot.meta.index;
    this.snapshotTerm = snapshot.meta.term;
    this.entries = [];
    this.sizes = [];
    this.committed = snapshot.meta.index;
    this.applying = snapshot.meta.index;
    this.stabled = snapshot.meta.index;
    this.pendingSnapshot = snapshot;
  }

  /** Drops entries up to `index` after this node's state machine took a snapshot at `index`. */
  compact(index: number, term: number): void {
    if (index <= this.snapshotIndex) return;
    const drop = index - this.snapshotIndex;
    this.entries = drop >= this.entries.length ? [] : this.entries.slice(drop);
    this.sizes = drop >= this.sizes.length ? [] : this.sizes.slice(drop);
    this.snapshotIndex = index;
    this.snapshotTerm = term;
  }
}
