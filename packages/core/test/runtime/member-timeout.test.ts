import { describe, expect, it } from 'vitest';
import { unreachableVoterToRemove } from '../../src/runtime/member-timeout.js';

// Last time the leader heard from each voter; `a` is the leader itself.
function decide(voters: string[], heard: Record<string, number>, now = 1_000, timeout = 300): string | null {
  return unreachableVoterToRemove(voters, 'a', (id) => heard[id], now, timeout);
}

describe('memberTimeout decision', () => {
  it('removes nobody while every voter was heard from within the timeout', () => {
    expect(decide(['a', 'b', 'c'], { b: 800, c: 700 })).toBeNull();
  });

  it('removes one unreachable voter when the reachable ones stay a majority', () => {
    expect(decide(['a', 'b', 'c', 'd', 'e'], { b: 900, c: 900, d: 900, e: 100 })).toBe('e');
  });

  it('removes nobody when the reachable voters are not a majority now (2 of 4)', () => {
    expect(decide(['a', 'b', 'c', 'd'], { b: 900, c: 100, d: 100 })).toBeNull();
  });

  it('removes nobody when the reachable voters would not be a majority after the removal', () => {
    // 3 of 5 reachable is a majority now; without d, 3 of 4 still is: removal allowed.
    expect(decide(['a', 'b', 'c', 'd', 'e'], { b: 900, c: 900, d: 100, e: 100 })).toBe('d');
    // 1 of 2 (the leader and a dead b) is no majority: a two-voter cluster never shrinks to one.
    expect(decide(['a', 'b'], { b: 100 })).toBeNull();
  });

  it('treats a voter it has no record of as just heard from (a new member)', () => {
    expect(decide(['a', 'b', 'c'], { b: 900 })).toBeNull();
  });
});
