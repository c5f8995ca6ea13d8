/**
 * Majority quorum math (protocol/quorum.ts; paper 5.2, 5.3): only the voters passed in count.
 */
import { describe, expect, it } from 'vitest';
import { committedIndex, hasQuorum, majority, voteOutcome } from '../../src/protocol/quorum.js';

describe('majority', () => {
  it('is more than half', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(majority)).toEqual([1, 2, 2, 3, 3, 4, 4]);
  });
});

describe('committedIndex', () => {
  const of = (matches: Record<string, number>) => (id: string) => matches[id] ?? 0;

  it('is the highest index a majority stores', () => {
    const table: { matches: Record<string, number>; want: number }[] = [
      { matches: { a: 5 }, want: 5 },
      { matches: { a: 5, b: 3 }, want: 3 },
      { matches: { a: 5, b: 3, c: 1 }, want: 3 },
      { matches: { a: 1, b: 3, c: 5 }, want: 3 },
      { matches: { a: 2, b: 2, c: 9 }, want: 2 },
      { matches: { a: 9, b: 8, c: 7, d: 6 }, want: 7 },
      { matches: { a: 1, b: 9, c: 2, d: 8, e: 3 }, want: 3 },
      { matches: { a: 7, b: 7, c: 7, d: 0, e: 0 }, want: 7 },
    ];
    for (const { matches, want } of table)
      expect(committedIndex(Object.keys(matches), of(matches))).toBe(want);
  });

  it('counts only the voters given, and 0 without any', () => {
    expect(committedIndex(['a', 'b', 'c'], of({ a: 9, b: 9, c: 1, learner: 9 }))).toBe(9);
    expect(committedIndex(['a', 'b', 'c'], of({ a: 9, b: 1, c: 1, learner: 9 }))).toBe(1);
    expect(committedIndex([], of({ a: 9 }))).toBe(0);
  });

  it('gives the same answer call after call (it reuses a scratch buffer)', () => {
    const big = { a: 10, b: 20, c: 30, d: 40, e: 50, f: 60, g: 70 };
    expect(committedIndex(Object.keys(big), of(big))).toBe(40);
    expect(committedIndex(['a', 'b', 'c'], of({ a: 1, b: 2, c: 3 }))).toBe(2);
  });
});

describe('voteOutcome', () => {
  const votes = (v: Record<string, boolean>) => new Map(Object.entries(v));

  it('is won with a majority of grants, lost once one is out of reach, pending otherwise', () => {
    const voters = ['a', 'b', 'c', 'd', 'e'];
    expect(voteOutcome(voters, votes({ a: true }))).toBe('pending');
    expect(voteOutcome(voters, votes({ a: true, b: true }))).toBe('pending');
    expect(voteOutcome(voters, votes({ a: true, b: true, c: true }))).toBe('won');
    expect(voteOutcome(voters, votes({ a: true, b: false, c: false }))).toBe('pending');
    expect(voteOutcome(voters, votes({ a: true, b: false, c: false, d: false }))).toBe('lost');
    expect(voteOutcome(['a'], votes({ a: true }))).toBe('won');
    expect(voteOutcome(['a', 'b'], votes({ a: true, b: false }))).toBe('lost');
  });

  it('ignores votes of non-voters', () => {
    expect(voteOutcome(['a', 'b', 'c'], votes({ a: true, x: true, y: true }))).toBe('pending');
  });
});

describe('hasQuorum', () => {
  it('needs a majority of the voters to have acknowledged', () => {
    const acked = (ids: string[]) => (id: string) => ids.includes(id);
    expect(hasQuorum(['a', 'b', 'c'], acked(['a']))).toBe(false);
    expect(hasQuorum(['a', 'b', 'c'], acked(['a', 'c']))).toBe(true);
    expect(hasQuorum(['a', 'b', 'c', 'd'], acked(['a', 'b']))).toBe(false);
    expect(hasQuorum(['a', 'b', 'c', 'd'], acked(['a', 'b', 'x', 'y']))).toBe(false);
  });
});
