import type { NodeId } from './types.js';

/**
 * Majority quorum math (paper 5.2, 5.3). Only voters count; learners never do.
 */

/** The number of votes that make a majority of `voterCount`. */
export function majority(voterCount: number): number {
  return Math.floor(voterCount / 2) + 1;
}

/**
 * The highest index that a majority of voters have durably stored: the candidate commit index of
 * paper 5.3 (the leader still checks the term of that entry, 5.4.2).
 */
export function committedIndex(voters: readonly NodeId[], matchOf: (id: NodeId) => number): number {
  const n = voters.length;
  if (n === 0) return 0;
  if (n === 1) return matchOf(voters[0]!);
  // Called on every acknowledgement: sort into a reused buffer by insertion (clusters are small).
  const matches = scratch;
  for (let i = 0; i < n; i++) {
    const m = matchOf(voters[i]!);
    let j = i;
    while (j > 0 && matches[j - 1]! < m) {
      matches[j] = matches[j - 1]!;
      j--;
    }
    matches[j] = m;
  }
  // Sorted descending, the element at majority-1 is held by at least a majority.
  return matches[majority(n) - 1]!;
}

const scratch: number[] = [];

export type VoteOutcome = 'won' | 'lost' | 'pending';

/** Tallies an election: won with a majority of grants, lost once a majority can no longer be reached. */
export function voteOutcome(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteOutcome {
  let granted = 0;
  let rejected = 0;
  for (const id of voters) {
    const v = votes.get(id);
    if (v === true) granted++;
    else if (v === false) rejected++;
  }
  const need = majority(voters.length);
  if (granted >= need) return 'won';
  if (rejected > voters.length - need) return 'lost';
  return 'pending';
}

/** True when the voters in `acked` (plus nobody else) form a majority. */
export function hasQuorum(voters: readonly NodeId[], acked: (id: NodeId) => boolean): boolean {
  let count = 0;
  for (const id of voters) if (acked(id)) count++;
  return count >= majority(voters.length);
}
