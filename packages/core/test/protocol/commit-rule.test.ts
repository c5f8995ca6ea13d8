/**
 * The commit rule (paper 5.3, 5.4.2, Figure 8): docs/scenarios.md row 13. A leader commits an index only once
 * a majority stores it AND it holds an entry of the leader's own term; it counts its own copy only once
 * that copy is durable (thesis 10.2.1).
 */
import { describe, expect, it } from 'vitest';
import type { Message } from '../../src/protocol/types.js';
import { appendResponseMsg, logOf, Network, termsOf } from './harness.js';

const FIVE = ['a', 'b', 'c', 'd', 'e'];

/** Whether `m` is an append from `from` that carries an entry of `term`. */
const carriesTerm = (m: Message, from: string, term: number) =>
  m.type === 'append' && m.from === from && m.entries.some((e) => e.term === term);

/**
 * Figure 8 up to (c): S1..S5 are a..e. Every node starts with [1:1] committed, at term 1. One entry
 * per append, so that a leader repairing a follower sends the old entry on its own.
 */
function figure8UpToC(): Network {
  const net = Network.of(FIVE, {
    log: logOf(1),
    hardState: { term: 1, vote: null, commit: 1 },
    maxEntriesPerAppend: 1,
  });
  const [a, b, c, d, e] = FIVE.map((id) => net.core(id));

  // (a) S1 leads term 2 and replicates its entry at index 2 to S2 only.
  net.filter = (m) => !(m.type === 'append' && m.from === 'a' && m.to !== 'b');
  net.campaign('a');
  expect([a!.role, a!.term]).toEqual(['leader', 2]);
  expect(FIVE.map((id) => termsOf(net.core(id)))).toEqual([[1, 2], [1, 2], [1], [1], [1]]);
  expect(a!.log.committed).toBe(1);

  // (b) S1 crashes; S5 is elected for term 3 by S3, S4 and itself (S2 refuses: its last term, 2, is
  // newer than S5's), and writes a different entry at index 2, which reaches nobody.
  net.isolate('a');
  net.filter = (m) => !(m.type === 'append' && m.from === 'e');
  net.campaign('e');
  expect([e!.role, e!.term]).toEqual(['leader', 3]);
  expect([b!.term, b!.vote, c!.vote, d!.vote]).toEqual([3, null, 'e', 'e']);
  expect(termsOf(e!)).toEqual([1, 3]);

  // (c) S5 crashes; S1 restarts and is elected for term 4 (its first try, term 3, finds S3 and S4
  // already voted). Its term-4 entry is lost on the way to every follower that could store it, while
  // the repair of S3 and S4 gets through: index 2 (term 2) ends up on S1, S2, S3 and S4.
  net.recover();
  net.isolate('e');
  const a2 = net.restart('a');
  net.filter = (m) =>
    !(carriesTerm(m, 'a', 4) && net.core(m.to).log.matchTerm((m as { index: number }).index, 2));
  net.campaign('a');
  expect([a2.role, a2.term]).toEqual(['candidate', 3]);
  net.campaign('a');
  expect([a2.role, a2.term]).toEqual(['leader', 4]);
  expect(FIVE.map((id) => termsOf(net.core(id)))).toEqual([
    [1, 2, 4],
    [1, 2],
    [1, 2],
    [1, 2],
    [1, 3],
  ]);
  return net;
}

describe('Figure 8: an old-term entry on a majority is not committed by counting replicas', () => {
  it('(c) the leader knows index 2 is on a majority but does not commit it', () => {
    const net = figure8UpToC();
    const a = net.core('a');
    // The leader's own copy is durable and it heard from S3 and S4: 3 of 5 hold index 2.
    expect(a.log.stabled).toBe(3);
    expect([a.progressOf('c')!.match, a.progressOf('d')!.match]).toEqual([2, 2]);
    expect(a.log.term(2)).toBe(2);
    // Yet index 2 is of term 2, not 4: nothing new is committed, anywhere.
    expect(FIVE.map((id) => net.core(id).log.committed)).toEqual([1, 1, 1, 1, 1]);
    // After its restart S1 re-applied index 1, and nothing more.
    expect(net.applied.get('a')!.map((x) => x.index)).toEqual([1]);
  });

  it('(d) this is why: S5 can still be elected and overwrite index 2 on every node', () => {
    const net = figure8UpToC();
    net.filter = undefined;
    net.recover();
    net.isolate('a');
    const e = net.restart('e');
    // Term 4: S2, S3 and S4 already voted for S1. Term 5: S5's last term (3) beats their 2.
    net.campaign('e');
    expect([e.role, e.term]).toEqual(['follower', 4]);
    net.campaign('e');
    expect([e.role, e.term]).toEqual(['leader', 5]);
    for (const id of ['b', 'c', 'd', 'e']) {
      expect(termsOf(net.core(id)), id).toEqual([1, 3, 5]);
      expect(net.core(id).log.committed, id).toBe(3);
    }
    // Had S1 committed index 2 in (c), a committed entry would just have changed.
  });

  it('(e) once the leader replicates an entry of its term, both commit and S5 can no longer win', () => {
    const net = figure8UpToC();
    const a = net.core('a');
    net.filter = undefined;
    // A heartbeat round lets S1 resend what was lost.
    net.tickTo(net.now + 10);
    expect(a.log.committed).toBe(3);
    for (const id of ['a', 'b', 'c', 'd']) {
      expect(termsOf(net.core(id)), id).toEqual([1, 2, 4]);
      expect(net.core(id).log.committed, id).toBe(3);
    }
    expect(net.applied.get('a')!.map((x) => [x.index, x.term])).toEqual([
      [1, 1],
      [2, 2],
      [3, 4],
    ]);

    // S1 crashes; S5 restarts and campaigns twice: a majority (S2, S3, S4) has a newer last term.
    net.recover();
    net.isolate('a');
    const e = net.restart('e');
    net.campaign('e');
    net.campaign('e');
    expect(e.role).not.toBe('leader');
    expect(e.term).toBe(5);
    for (const id of ['b', 'c', 'd']) expect(termsOf(net.core(id)), id).toEqual([1, 2, 4]);

    // Someone from the majority wins instead, and S5's divergent index 2 is replaced.
    net.campaign('b');
    expect([net.core('b').role, net.core('b').term]).toEqual(['leader', 6]);
    expect(termsOf(e)).toEqual([1, 2, 4, 6]);
    expect(e.log.committed).toBe(4);
  });
});

describe('commit rule on a single leader', () => {
  it('acks for old-term entries do not commit them; the first ack covering the noop commits all', () => {
    // Every node holds [1:1, 2:1], uncommitted. a wins term 2 and appends its noop at 3, but its
    // appends are held back: the leader only learns what followers have from the acks we inject.
    const net = Network.of(['a', 'b', 'c'], {
      log: logOf(1, 1),
      hardState: { term: 1, vote: null, commit: 0 },
    });
    net.capture = (m) => m.type === 'append';
    net.campaign('a');
    const a = net.core('a');
    expect([a.role, a.term, termsOf(a)]).toEqual(['leader', 2, [1, 1, 2]]);
    expect(a.log.committed).toBe(0);

    net.inject(appendResponseMsg('b', 'a', 2, 2));
    net.inject(appendResponseMsg('c', 'a', 2, 2));
    net.deliverAll();
    expect([a.progressOf('b')!.match, a.progressOf('c')!.match]).toEqual([2, 2]);
    // Indexes 1 and 2 are on all three nodes, but they are of term 1.
    expect(a.log.committed).toBe(0);

    net.inject(appendResponseMsg('b', 'a', 2, 3));
    net.deliverAll();
    // Index 3 (term 2) is on a and b: it commits, and everything before it with it.
    expect(a.log.committed).toBe(3);
    expect(net.applied.get('a')!.map((x) => x.index)).toEqual([1, 2, 3]);
  });
});

describe('the leader counts itself only once its own entries are durable', () => {
  for (const ids of [
    ['a', 'b', 'c'],
    ['a', 'b', 'c', 'd', 'e'],
  ]) {
    it(`${ids.length} nodes: follower acks short of a majority without the leader do not commit`, () => {
      const net = Network.of(ids);
      net.campaign('a');
      const a = net.core('a');
      expect([a.role, a.term, a.log.committed]).toEqual(['leader', 1, 1]);

      // Just enough followers to make a majority together with the leader, not without it.
      const acking = ids.slice(1, Math.floor(ids.length / 2) + 1);
      for (const id of ids.slice(1)) if (!acking.includes(id)) net.isolate(id);
      net.holdPersist('a');
      expect(a.propose([{ kind: 'command', data: 'x' }])).toEqual({ ok: true });
      net.deliverAll();

      // The appends went out early (the leader's term is durable) and the followers acked...
      for (const id of acking) {
        expect(termsOf(net.core(id)), id).toEqual([1, 1]);
        expect(a.progressOf(id)!.match, id).toBe(2);
      }
      // ...but the leader's own write is in flight: no majority yet.
      expect(a.log.stabled).toBe(1);
      expect(a.log.committed).toBe(1);

      net.releasePersist('a');
      expect(a.log.stabled).toBe(2);
      expect(a.log.committed).toBe(2);
      for (const id of acking) expect(net.core(id).log.committed, id).toBe(2);
    });
  }

  it('a majority of followers commits without waiting for the leader write (thesis 10.2.1)', () => {
    const net = Network.of(['a', 'b', 'c']);
    net.campaign('a');
    const a = net.core('a');
    net.holdPersist('a');
    a.propose([{ kind: 'command', data: 'x' }]);
    net.deliverAll();
    expect(a.log.stabled).toBe(1);
    expect(a.log.committed).toBe(2);
    // It commits, but does not apply what it has not written itself: nothing is ready to apply
    // (the harness holds a's Ready while its write is out, so ask the log directly).
    expect(a.log.hasNextCommitted()).toBe(false);
    expect(a.log.nextCommitted(100)).toEqual([]);
    expect(net.applied.get('a')!.map((x) => x.index)).toEqual([1]);
    net.releasePersist('a');
    expect(net.applied.get('a')!.map((x) => x.index)).toEqual([1, 2]);
    expect(['b', 'c'].map((id) => net.core(id).log.committed)).toEqual([2, 2]);
  });
});
