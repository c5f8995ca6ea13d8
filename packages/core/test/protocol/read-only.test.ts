/**
 * ReadIndex bookkeeping (protocol/read-only.ts; thesis 6.4): a read is confirmed once a majority of
 * voters answered a heartbeat round carrying its context, and confirms every earlier read with it.
 */
import { describe, expect, it } from 'vitest';
import { ReadOnlyQueue } from '../../src/protocol/read-only.js';

const VOTERS = ['a', 'b', 'c'];

describe('ReadOnlyQueue', () => {
  it('confirms a read once a majority (the leader counted) acknowledged its context', () => {
    const q = new ReadOnlyQueue();
    q.add('r1', 7, 'a', 'a');
    expect(q.lastContext()).toBe('r1');
    const released = q.ack('r1', 'b', VOTERS);
    expect(released.map((r) => [r.context, r.index, r.from])).toEqual([['r1', 7, 'a']]);
    expect(q.lastContext()).toBeUndefined();
    // Once released, a late answer for it confirms nothing.
    expect(q.ack('r1', 'c', VOTERS)).toEqual([]);
  });

  it('a newer read confirmed releases the older ones too, in order', () => {
    const q = new ReadOnlyQueue();
    q.add('r1', 3, 'a', 'a');
    q.add('r2', 4, 'b', 'a');
    q.add('r3', 5, 'a', 'a');
    expect(q.lastContext()).toBe('r3');
    expect(q.ack('r2', 'c', VOTERS).map((r) => r.context)).toEqual(['r1', 'r2']);
    expect(q.lastContext()).toBe('r3');
    expect(q.ack('r3', 'b', VOTERS).map((r) => r.context)).toEqual(['r3']);
  });

  it('answers from non-voters, or the same voter twice, make no quorum', () => {
    const q = new ReadOnlyQueue();
    q.add('r1', 3, 'a', 'a');
    expect(q.ack('r1', 'learner', VOTERS)).toEqual([]);
    expect(q.ack('r1', 'a', VOTERS)).toEqual([]);
    expect(q.ack('r1', 'c', VOTERS).map((r) => r.context)).toEqual(['r1']);
  });

  it('keeps the first copy of a repeated context (a retried read)', () => {
    const q = new ReadOnlyQueue();
    q.add('r1', 3, 'b', 'a');
    q.add('r1', 9, 'c', 'a');
    const [read] = q.ack('r1', 'b', VOTERS);
    expect([read!.index, read!.from]).toEqual([3, 'b']);
  });

  it('clear drops every read and returns them (leadership lost)', () => {
    const q = new ReadOnlyQueue();
    q.add('r1', 3, 'a', 'a');
    q.add('r2', 4, 'b', 'a');
    expect(q.clear().map((r) => r.context)).toEqual(['r1', 'r2']);
    expect(q.lastContext()).toBeUndefined();
    expect(q.ack('r2', 'b', VOTERS)).toEqual([]);
  });
});
