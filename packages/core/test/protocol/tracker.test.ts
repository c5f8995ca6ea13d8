/**
 * Follower tracking (protocol/tracker.ts): the quorum questions over the progress map and the votes
 * count only the latest configuration's voters (paper 5.2, 5.3; thesis 6.2, 6.4.1).
 */
import { describe, expect, it } from 'vitest';
import { Membership } from '../../src/protocol/membership.js';
import { ProgressTracker } from '../../src/protocol/tracker.js';

/** A leader `a` tracking every member of `voters` and `learners`, each with next index 11. */
function tracked(voters: string[], learners: string[] = []) {
  const membership = new Membership({ voters, learners }, 0);
  const tracker = new ProgressTracker('a', membership);
  for (const id of [...voters, ...learners]) tracker.add(id, 11, 0);
  tracker.changed();
  return { membership, tracker };
}

describe('ProgressTracker: progress', () => {
  it('lists every member but itself as a replica, and learners as learners', () => {
    const { tracker } = tracked(['a', 'b', 'c'], ['d']);
    expect(tracker.replicas).toEqual(['b', 'c', 'd']);
    expect(tracker.ids()).toEqual(['a', 'b', 'c', 'd']);
    expect(tracker.get('d')!.isLearner).toBe(true);
    expect(tracker.get('b')!.isLearner).toBe(false);
    expect(tracker.get('b')!.next).toBe(11);
    tracker.delete('c');
    tracker.changed();
    expect(tracker.replicas).toEqual(['b', 'd']);
    tracker.clear();
    tracker.changed();
    expect(tracker.replicas).toEqual([]);
    expect(tracker.get('b')).toBeUndefined();
  });

  it('only the leader itself counts as active until a follower is heard from', () => {
    const { tracker } = tracked(['a', 'b', 'c']);
    expect(tracker.get('a')!.recentActive).toBe(true);
    expect(tracker.get('b')!.recentActive).toBe(false);
    expect(tracker.quorumActive()).toBe(false);
    tracker.get('b')!.recentActive = true;
    expect(tracker.quorumActive()).toBe(true);
    // A new check-quorum round forgets the followers, never the leader.
    tracker.resetRecentActive();
    expect(tracker.get('b')!.recentActive).toBe(false);
    expect(tracker.get('a')!.recentActive).toBe(true);
    expect(tracker.quorumActive()).toBe(false);
  });

  it('a learner that answers does not make a quorum', () => {
    const { tracker } = tracked(['a', 'b', 'c'], ['d']);
    tracker.get('d')!.recentActive = true;
    expect(tracker.quorumActive()).toBe(false);
  });

  it('counts the replicas owed the commit index, once each', () => {
    const { tracker } = tracked(['a', 'b', 'c']);
    expect(tracker.commitOwed).toBe(false);
    tracker.oweCommitToAll();
    tracker.oweCommitToAll();
    expect(tracker.get('a')!.commitOwed).toBe(false);
    expect(tracker.get('b')!.commitOwed).toBe(true);
    tracker.commitSent(tracker.get('b')!);
    tracker.commitSent(tracker.get('b')!);
    expect(tracker.commitOwed).toBe(true);
    tracker.commitSent(tracker.get('c')!);
    expect(tracker.commitOwed).toBe(false);
    // Rebuilt from the flags when the members change.
    tracker.get('c')!.commitOwed = true;
    tracker.changed();
    expect(tracker.commitOwed).toBe(true);
  });
});

describe('ProgressTracker: quorums', () => {
  it('commits what a majority of voters store, ignoring learners', () => {
    const { tracker } = tracked(['a', 'b', 'c', 'd', 'e'], ['f']);
    const matches: Record<string, number> = { a: 9, b: 7, c: 5, d: 3, e: 1, f: 100 };
    for (const [id, m] of Object.entries(matches)) tracker.get(id)!.match = m;
    expect(tracker.committed()).toBe(5);
    tracker.get('d')!.match = 8;
    expect(tracker.committed()).toBe(7);
  });

  it('follows the latest configuration', () => {
    const { tracker, membership } = tracked(['a', 'b', 'c']);
    tracker.get('a')!.match = 9;
    tracker.get('b')!.match = 4;
    tracker.get('c')!.match = 2;
    expect(tracker.committed()).toBe(4);
    // `b` removed: {a, c} must both hold an entry.
    membership.append(12, { voters: ['a', 'c'], learners: [] });
    expect(tracker.committed()).toBe(2);
  });

  it('dates the lease from the echo a majority of voters returned', () => {
    const { tracker } = tracked(['a', 'b', 'c']);
    expect(tracker.quorumHeardAt(1_000)).toBe(Number.NEGATIVE_INFINITY);
    tracker.get('b')!.heartbeatAckedAt = 700;
    tracker.get('c')!.heartbeatAckedAt = 400;
    expect(tracker.quorumHeardAt(1_000)).toBe(700);
  });
});

describe('ProgressTracker: votes', () => {
  it('wins with a majority of grants and loses once a majority is out of reach', () => {
    const { tracker } = tracked(['a', 'b', 'c', 'd', 'e']);
    tracker.resetVotes();
    tracker.recordVote('a', true);
    tracker.recordVote('b', true);
    expect(tracker.voteResult()).toBe('pending');
    tracker.recordVote('c', true);
    expect(tracker.voteResult()).toBe('won');
    tracker.resetVotes();
    tracker.recordVote('a', true);
    tracker.recordVote('b', false);
    tracker.recordVote('c', false);
    expect(tracker.voteResult()).toBe('pending');
    tracker.recordVote('d', false);
    expect(tracker.voteResult()).toBe('lost');
  });

  it('counts no votes from non-voters', () => {
    const { tracker } = tracked(['a', 'b', 'c'], ['d']);
    tracker.resetVotes();
    tracker.recordVote('a', true);
    tracker.recordVote('d', true);
    tracker.recordVote('x', true);
    expect(tracker.voteResult()).toBe('pending');
  });
});
