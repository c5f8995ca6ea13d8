/**
 * The in-memory log (protocol/log.ts; paper 5.3, 7): the consistency check and conflict truncation of
 * AppendEntries, fast backtracking, the durable and committed points, size-limited slices, snapshots.
 */
import { describe, expect, it } from 'vitest';
import { RaftLog } from '../../src/protocol/log.js';
import type { Entry, Snapshot } from '../../src/protocol/types.js';

const entry = (index: number, term: number, data: unknown = index): Entry => ({
  index,
  term,
  kind: 'command',
  data,
});

/** A durable log whose entry i + 1 has term terms[i], committed up to `commit`. */
function logOf(terms: number[], commit = 0): RaftLog {
  return RaftLog.fromStorage(
    null,
    terms.map((t, i) => entry(i + 1, t)),
    commit,
  );
}

const termsOf = (log: RaftLog) => log.entries.map((e) => e.term);

describe('RaftLog: loading and terms', () => {
  it('trusts no commit index beyond what it holds', () => {
    const log = logOf([1, 1, 2], 9);
    expect([log.committed, log.stabled, log.applying]).toEqual([3, 3, 0]);
    expect([log.firstIndex(), log.lastIndex(), log.lastTerm()]).toEqual([1, 3, 2]);
  });

  it('knows terms of the snapshot point and the entries after it, not of compacted or missing ones', () => {
    const log = RaftLog.fromStorage(
      { index: 10, term: 3, config: { voters: ['a'], learners: [] } },
      [entry(11, 4)],
      0,
    );
    expect([log.term(9), log.term(10), log.term(11), log.term(12)]).toEqual([undefined, 3, 4, undefined]);
    expect(log.committed).toBe(10);
    expect(log.entry(10)).toBeUndefined();
    expect(log.entry(11)?.term).toBe(4);
  });

  it('is up to date per paper 5.4.1: a later last term, or the same one and at least as long', () => {
    const log = logOf([1, 2, 2]);
    expect(log.isUpToDate(3, 2)).toBe(true);
    expect(log.isUpToDate(2, 2)).toBe(false);
    expect(log.isUpToDate(1, 3)).toBe(true);
    expect(log.isUpToDate(9, 1)).toBe(false);
  });
});

describe('RaftLog: maybeAppend (the follower side of AppendEntries)', () => {
  it('refuses entries whose previous entry does not match', () => {
    const log = logOf([1, 1]);
    expect(log.maybeAppend(2, 2, [entry(3, 2)])).toBeUndefined();
    expect(log.maybeAppend(3, 1, [entry(4, 1)])).toBeUndefined();
    expect(termsOf(log)).toEqual([1, 1]);
  });

  it('appends new entries and returns where it wrote', () => {
    const log = logOf([1, 1]);
    expect(log.maybeAppend(2, 1, [entry(3, 2), entry(4, 2)])).toBe(3);
    expect(termsOf(log)).toEqual([1, 1, 2, 2]);
  });

  it('truncates at the first conflict and drops the durable point with it', () => {
    const log = logOf([1, 1, 1, 1]);
    expect(log.maybeAppend(1, 1, [entry(2, 1), entry(3, 2)])).toBe(3);
    expect(termsOf(log)).toEqual([1, 1, 2]);
    expect(log.stabled).toBe(2);
    expect(log.unstableEntries().map((e) => e.index)).toEqual([3]);
  });

  it('a conflict at the first entry not yet durable still leaves it to be written again', () => {
    const log = logOf([1, 1]);
    log.append([entry(3, 1)]);
    log.stableTo(3, 1);
    expect(log.maybeAppend(2, 1, [entry(3, 2)])).toBe(3);
    expect(log.stabled).toBe(2);
    expect(log.unstableEntries().map((e) => [e.index, e.term])).toEqual([[3, 2]]);
  });

  it('never truncates for an old append whose entries all agree', () => {
    const log = logOf([1, 1, 2, 2]);
    expect(log.maybeAppend(1, 1, [entry(2, 1)])).toBe(0);
    expect(termsOf(log)).toEqual([1, 1, 2, 2]);
  });

  it('refuses to rewrite committed entries', () => {
    const log = logOf([1, 1, 1], 3);
    expect(() => log.maybeAppend(1, 1, [entry(2, 2)])).toThrow(/below the commit index/);
  });
});

describe('RaftLog: findConflictByTerm (fast backtracking)', () => {
  it('is the last index at or before `index` whose term is at most `term`', () => {
    const log = logOf([1, 1, 2, 2, 4, 4]);
    expect(log.findConflictByTerm(6, 3)).toEqual({ index: 4, term: 2 });
    expect(log.findConflictByTerm(6, 4)).toEqual({ index: 6, term: 4 });
    expect(log.findConflictByTerm(9, 1)).toEqual({ index: 2, term: 1 });
    expect(log.findConflictByTerm(6, 0)).toEqual({ index: 0, term: 0 });
  });
});

describe('RaftLog: commit, durability and applying', () => {
  it('commits forward only, never past its last entry', () => {
    const log = logOf([1, 1, 1]);
    expect(log.commitTo(2)).toBe(true);
    expect(log.commitTo(1)).toBe(false);
    expect(log.commitTo(9)).toBe(true);
    expect(log.committed).toBe(3);
  });

  it('hands out committed entries only once durable, each once', () => {
    const log = logOf([1]);
    log.append([entry(2, 1), entry(3, 1)]);
    log.commitTo(3);
    expect(log.unstableEntries().map((e) => e.index)).toEqual([2, 3]);
    expect(log.nextCommitted(10).map((e) => e.index)).toEqual([1]);
    // A write acknowledged for an entry that changed meanwhile does not count.
    expect(log.stableTo(3, 9)).toBe(false);
    expect(log.stableTo(3, 1)).toBe(true);
    log.applying = 1;
    expect(log.hasNextCommitted()).toBe(true);
    expect(log.nextCommitted(1).map((e) => e.index)).toEqual([2]);
    log.applying = 3;
    expect(log.hasNextCommitted()).toBe(false);
    expect(log.nextCommitted(10)).toEqual([]);
  });
});

describe('RaftLog: slice', () => {
  it('stops at the count and at the character budget, but always gives one entry', () => {
    const log = logOf([]);
    log.append([entry(1, 1, 'x'.repeat(500)), entry(2, 1, 'y'.repeat(500)), entry(3, 1, 'z')]);
    expect(log.slice(1, 3, 2).map((e) => e.index)).toEqual([1, 2]);
    expect(log.slice(1, 3, 10).map((e) => e.index)).toEqual([1, 2, 3]);
    expect(log.slice(1, 3, 10, 800).map((e) => e.index)).toEqual([1]);
    expect(log.slice(1, 3, 10, 10).map((e) => e.index)).toEqual([1]);
    expect(log.slice(2, 3, 10, 800).map((e) => e.index)).toEqual([2, 3]);
  });

  it('uses the data lengths it was given instead of measuring', () => {
    const log = logOf([]);
    // Claimed far larger than they are: the budget follows the claim.
    log.append([entry(1, 1, 'a'), entry(2, 1, 'b')], [10_000, 10_000]);
    expect(log.slice(1, 2, 10, 5_000).map((e) => e.index)).toEqual([1]);
  });
});

describe('RaftLog: snapshots', () => {
  const snap = (index: number, term: number): Snapshot => ({
    meta: { index, term, config: { voters: ['a'], learners: [] } },
    data: null,
  });

  it('compaction drops entries up to the index and keeps the rest', () => {
    const log = logOf([1, 1, 2, 2, 3], 5);
    log.compact(3, 2);
    expect([log.snapshotIndex, log.snapshotTerm, log.firstIndex(), log.lastIndex()]).toEqual([3, 2, 4, 5]);
    expect(termsOf(log)).toEqual([2, 3]);
    expect(log.term(3)).toBe(2);
    log.compact(2, 1);
    expect(log.snapshotIndex).toBe(3);
  });

  it('restoring a snapshot from the leader replaces the whole log and holds back applying', () => {
    const log = logOf([1, 1, 2], 2);
    log.commitTo(3);
    log.restore(snap(50, 4));
    expect([log.lastIndex(), log.committed, log.stabled, log.applying]).toEqual([50, 50, 50, 50]);
    expect(log.entries).toEqual([]);
    expect(log.pendingSnapshot?.meta.index).toBe(50);
    log.append([entry(51, 4)]);
    log.stableTo(51, 4);
    log.commitTo(51);
    // Nothing is applied until the snapshot is persisted and restored.
    expect(log.hasNextCommitted()).toBe(false);
    log.pendingSnapshot = null;
    expect(log.nextCommitted(10).map((e) => e.index)).toEqual([51]);
  });
});
