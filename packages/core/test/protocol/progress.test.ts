/**
 * One follower's progress as the leader sees it (protocol/progress.ts; paper 5.3): probe one append at
 * a time, pipeline in replicate state up to the inflight window, stream a snapshot, and tell stale
 * answers from news.
 */
import { describe, expect, it } from 'vitest';
import { Progress } from '../../src/protocol/progress.js';

/** A follower in replicate state that has everything up to `match`. */
function replicating(match: number): Progress {
  const pr = new Progress(match + 1, false);
  pr.maybeUpdate(match);
  pr.becomeReplicate();
  return pr;
}

describe('Progress: probe', () => {
  it('sends one append, then waits for its answer', () => {
    const pr = new Progress(11, false);
    expect(pr.state).toBe('probe');
    expect(pr.isPaused(256)).toBe(false);
    pr.sentEntries(15, 5);
    expect(pr.isPaused(256)).toBe(true);
    // Probing does not move `next` on send: only an answer does.
    expect(pr.next).toBe(11);
    expect(pr.maybeUpdate(15)).toBe(true);
    expect([pr.match, pr.next]).toEqual([15, 16]);
    expect(pr.isPaused(256)).toBe(false);
  });

  it('a rejection of the probe moves next back to the hint, never below match + 1', () => {
    const pr = new Progress(11, false);
    pr.sentEntries(10, 0);
    // Rejected at 10 (next - 1), follower hints its log can match up to 4.
    expect(pr.maybeDecrTo(10, 4)).toBe(true);
    expect(pr.next).toBe(5);
    expect(pr.isPaused(256)).toBe(false);
    // A rejection of something else than the current probe is stale.
    expect(pr.maybeDecrTo(10, 2)).toBe(false);
    expect(pr.next).toBe(5);
    pr.match = 3;
    expect(pr.maybeDecrTo(4, 0)).toBe(true);
    expect(pr.next).toBe(4);
  });
});

describe('Progress: replicate', () => {
  it('pipelines appends up to the inflight window, freeing slots as answers come', () => {
    const pr = replicating(10);
    pr.sentEntries(12, 2);
    pr.sentEntries(14, 2);
    expect(pr.next).toBe(15);
    expect(pr.isPaused(2)).toBe(true);
    expect(pr.isPaused(3)).toBe(false);
    // An empty append takes no slot.
    pr.sentEntries(14, 0);
    expect(pr.inflight).toEqual([12, 14]);
    expect(pr.maybeUpdate(12)).toBe(true);
    expect(pr.inflight).toEqual([14]);
    expect(pr.isPaused(2)).toBe(false);
    // A stale answer teaches nothing and moves nothing back.
    expect(pr.maybeUpdate(11)).toBe(false);
    expect([pr.match, pr.next]).toEqual([12, 15]);
  });

  it('a rejection after match sends it back to match + 1; one at or below match is stale', () => {
    const pr = replicating(10);
    pr.sentEntries(20, 10);
    expect(pr.maybeDecrTo(10, 0)).toBe(false);
    expect(pr.next).toBe(21);
    expect(pr.maybeDecrTo(15, 0)).toBe(true);
    expect(pr.next).toBe(11);
  });

  it('becoming probe starts again after match, with an empty window', () => {
    const pr = replicating(10);
    pr.sentEntries(20, 10);
    pr.becomeProbe();
    expect([pr.state, pr.next, pr.inflight.length, pr.probeSent]).toEqual(['probe', 11, 0, false]);
  });
});

describe('Progress: snapshot', () => {
  it('is paused while streaming, and probes after the snapshot once done', () => {
    const pr = new Progress(5, false);
    pr.becomeSnapshot(100);
    expect(pr.state).toBe('snapshot');
    expect(pr.pendingSnapshot).toBe(100);
    expect(pr.isPaused(256)).toBe(true);
    pr.snapshotOffset = 64;
    pr.becomeProbe();
    expect([pr.state, pr.next, pr.pendingSnapshot, pr.snapshotOffset]).toEqual(['probe', 101, 0, 0]);
  });

  it('a follower already past the snapshot resumes from its match', () => {
    const pr = new Progress(5, false);
    pr.becomeSnapshot(100);
    pr.maybeUpdate(120);
    pr.becomeProbe();
    expect(pr.next).toBe(121);
  });
});
