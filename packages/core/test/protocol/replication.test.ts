/**
 * Log replication (paper 5.3): docs/scenarios.md rows 14, 16, 22 and 25, plus conflict truncation, batching
 * and the inflight window.
 */
import { describe, expect, it } from 'vitest';
import type { AppendMessage, AppendResponseMessage, Entry, Message } from '../../src/protocol/types.js';
import {
  appendMsg,
  appendResponseMsg,
  entriesOf,
  logOf,
  makeCore,
  Network,
  ofType,
  termsOf,
} from './harness.js';

const IDS = ['a', 'b', 'c'];

const appendsTo = (msgs: readonly Message[], to: string) => ofType(msgs, 'append').filter((m) => m.to === to);
const responsesFrom = (msgs: readonly Message[], from: string) =>
  ofType(msgs, 'appendResponse').filter((m) => m.from === from);
const indexes = (entries: readonly Entry[]) => entries.map((e) => e.index);

/** A fresh 3-node cluster with `a` elected at term 1 and its noop (index 1) committed everywhere. */
function electedCluster(options: Parameters<typeof Network.of>[1] = {}): Network {
  const net = Network.of(IDS, options);
  net.campaign('a');
  expect([net.core('a').role, net.core('a').term]).toEqual(['leader', 1]);
  for (const id of IDS) expect(net.core(id).log.committed, id).toBe(1);
  return net;
}

describe('row 14: a newer-term uncommitted tail the leader lacks is overwritten', () => {
  it('the follower drops its term-3 entry for the leader term-2 entry at the same index', () => {
    // How this arises: a led term 2 and wrote index 2 alone; b led term 3 and wrote index 2 alone.
    // a then wins term 4 with c's vote (b refuses: its last term, 3, is newer than a's 2).
    const stale: Entry = { index: 2, term: 3, kind: 'command', data: 'stale' };
    const start = { term: 3, vote: null, commit: 1 };
    const net = new Network([
      makeCore('a', IDS, { hardState: start, log: logOf(1, 2) }),
      makeCore('b', IDS, { hardState: start, log: [...logOf(1), stale] }),
      makeCore('c', IDS, { hardState: start, log: logOf(1) }),
    ]);
    net.campaign('a');
    const [a, b] = [net.core('a'), net.core('b')];
    expect([a.role, a.term]).toEqual(['leader', 4]);
    expect(b.vote).toBeNull();

    // The probe at (2, term 2) is refused; b's hint points at index 1, where the logs agree.
    const toB = net.deliveredWhere((m) => m.type === 'append' && m.to === 'b') as AppendMessage[];
    const fromB = net.deliveredWhere(
      (m) => m.type === 'appendResponse' && m.from === 'b',
    ) as AppendResponseMessage[];
    expect(toB.map((m) => [m.index, m.logTerm, indexes(m.entries), m.commit])).toEqual([
      [2, 2, [3], 1],
      [1, 1, [2, 3], 1],
      // Then the new commit index (3, committed by a and c), in an empty append.
      [3, 4, [], 3],
    ]);
    // Acknowledgements carry no hints.
    expect(fromB.map((m) => [m.reject, m.index, m.hintIndex, m.hintTerm])).toEqual([
      [true, 2, 1, 1],
      [false, 3, undefined, undefined],
      [false, 3, undefined, undefined],
    ]);

    expect(termsOf(b)).toEqual([1, 2, 4]);
    expect(b.log.entry(2)!.data).toBe('e2');
    expect(b.log.committed).toBe(3);
    // Storage was told to replace index 2 on: the durable log matches too.
    expect(net.durableOf('b').entries.map((e) => [e.index, e.term, e.data])).toEqual([
      [1, 1, 'e1'],
      [2, 2, 'e2'],
      [3, 4, undefined],
    ]);
    expect(a.progressOf('b')!.match).toBe(3);
  });
});

// Fast log rejection (etcd's TestFastLogRejection and the paper's Figure 7). The leader `a` (log
// `leader`) is elected at term 8 thanks to `c` (empty log); `b` holds `follower`. The leader's first
// append to b probes (last index, last term) of its log before the noop.
const FAST_REJECTION: {
  name: string;
  leader: number[];
  follower: number[];
  /** The follower's hint, or null when the first probe matches. */
  hint: { index: number; term: number } | null;
  /** Where the leader probes next: the append's (index, logTerm). */
  next: { index: number; term: number } | null;
}[] = [
  {
    name: 'follower has a long tail of an older term',
    leader: [1, 2, 2, 4, 4, 4, 4],
    follower: [1, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3],
    hint: { index: 7, term: 3 },
    next: { index: 3, term: 2 },
  },
  {
    name: 'follower tail of term 3 matching the leader up to index 4',
    leader: [1, 2, 2, 3, 4, 4, 4, 5],
    follower: [1, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3],
    hint: { index: 8, term: 3 },
    next: { index: 4, term: 3 },
  },
  {
    name: 'follower has higher terms: it finds the conflict itself',
    leader: [1, 1, 1, 1],
    follower: [1, 2, 2, 4],
    hint: { index: 1, term: 1 },
    next: { index: 1, term: 1 },
  },
  {
    name: 'same, leader has the longer tail',
    leader: [1, 1, 1, 1, 1, 1],
    follower: [1, 2, 2, 4],
    hint: { index: 1, term: 1 },
    next: { index: 1, term: 1 },
  },
  {
    name: 'same, follower has the longer tail',
    leader: [1, 1, 1, 1],
    follower: [1, 2, 2, 4, 4, 4],
    hint: { index: 1, term: 1 },
    next: { index: 1, term: 1 },
  },
  {
    name: 'no conflict, the follower only lacks the last entry',
    leader: [1, 1, 1, 4, 5],
    follower: [1, 1, 1, 4],
    hint: { index: 4, term: 4 },
    next: { index: 4, term: 4 },
  },
  {
    name: "etcd's stepLeader example",
    leader: [2, 5, 5, 5, 5, 5, 5, 5, 5],
    follower: [2, 4, 4, 4, 4, 4],
    hint: { index: 6, term: 4 },
    next: { index: 1, term: 2 },
  },
  {
    name: "etcd's handleAppendEntries example",
    leader: [2, 2, 2, 2, 2],
    follower: [2, 4, 4, 4, 4, 4, 4, 4],
    hint: { index: 1, term: 2 },
    next: { index: 1, term: 2 },
  },
  {
    name: 'follower log is empty',
    leader: [1, 1, 2],
    follower: [],
    hint: { index: 0, term: 0 },
    next: { index: 0, term: 0 },
  },
  {
    name: 'follower log is a prefix of the leader log',
    leader: [1, 1, 2, 2, 2],
    follower: [1, 1],
    hint: { index: 2, term: 1 },
    next: { index: 2, term: 1 },
  },
  {
    name: 'fifty divergent entries are skipped in one round trip',
    leader: [1, ...Array<number>(50).fill(3)],
    follower: [1, ...Array<number>(50).fill(2)],
    hint: { index: 51, term: 2 },
    next: { index: 1, term: 1 },
  },
  // Paper Figure 7: the leader's log is [1,1,1,4,4,5,5,6,6,6].
  {
    name: 'figure 7 (a): one entry missing',
    leader: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6],
    follower: [1, 1, 1, 4, 4, 5, 5, 6, 6],
    hint: { index: 9, term: 6 },
    next: { index: 9, term: 6 },
  },
  {
    name: 'figure 7 (b): many entries missing',
    leader: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6],
    follower: [1, 1, 1, 4],
    hint: { index: 4, term: 4 },
    next: { index: 4, term: 4 },
  },
  {
    name: 'figure 7 (c): one extra entry of the current term',
    leader: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6],
    follower: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6],
    hint: null,
    next: null,
  },
  {
    name: 'figure 7 (d): extra entries of a later term',
    leader: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6],
    follower: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7],
    hint: null,
    next: null,
  },
  {
    name: 'figure 7 (e): missing entries and an extra term-4 tail',
    leader: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6],
    follower: [1, 1, 1, 4, 4, 4, 4],
    hint: { index: 7, term: 4 },
    next: { index: 5, term: 4 },
  },
  {
    name: 'figure 7 (f): a long divergent tail of terms 2 and 3',
    leader: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6],
    follower: [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3],
    hint: { index: 10, term: 3 },
    next: { index: 3, term: 1 },
  },
];

describe('row 16: fast log rejection', () => {
  for (const row of FAST_REJECTION) {
    it(row.name, () => {
      const start = { term: 7, vote: null, commit: 0 };
      const net = new Network([
        makeCore('a', IDS, { hardState: start, log: logOf(...row.leader) }),
        makeCore('b', IDS, { hardState: start, log: logOf(...row.follower) }),
        makeCore('c', IDS, { hardState: start }),
      ]);
      net.campaign('a');
      const [a, b] = [net.core('a'), net.core('b')];
      expect([a.role, a.term]).toEqual(['leader', 8]);

      const toB = appendsTo(net.delivered, 'b');
      const fromB = responsesFrom(net.delivered, 'b');
      const last = row.leader.length;
      expect([toB[0]!.index, toB[0]!.logTerm]).toEqual([last, row.leader[last - 1]]);
      const rejections = fromB.filter((m) => m.reject);
      if (row.hint === null) {
        expect(rejections).toEqual([]);
      } else {
        expect(fromB[0]!).toMatchObject({
          reject: true,
          index: last,
          hintIndex: row.hint.index,
          hintTerm: row.hint.term,
        });
        // One rejection is enough: the second probe lands where the logs agree.
        expect(rejections).toHaveLength(1);
        expect({ index: toB[1]!.index, term: toB[1]!.logTerm }).toEqual(row.next);
        expect(fromB[1]!.reject).toBe(false);
        // It carries everything from there on (the leader log plus its noop).
        expect(indexes(toB[1]!.entries)).toEqual(
          entriesOf(row.next!.index + 1, last + 1, 0).map((e) => e.index),
        );
      }
      // Repaired: b's log is the leader's, noop of term 8 included, and committed.
      expect(termsOf(b)).toEqual([...row.leader, 8]);
      expect(termsOf(a)).toEqual([...row.leader, 8]);
      expect(b.log.committed).toBe(last + 1);
      expect(a.progressOf('b')!.match).toBe(last + 1);
      // Round trips to repair: at most the first probe, one corrective probe, and the commit.
      expect(toB.length).toBeLessThanOrEqual(3);
    });
  }
});

describe('conflict truncation (follower side of AppendEntries)', () => {
  function follower() {
    return makeCore('b', IDS, { hardState: { term: 3, vote: null, commit: 2 }, log: logOf(1, 1, 2, 2, 2) });
  }

  it('truncates from the first conflicting entry only, and tells storage to rewrite from there', () => {
    const b = follower();
    b.step(
      appendMsg('a', 'b', 3, { index: 2, term: 1 }, [...entriesOf(3, 3, 2), ...entriesOf(4, 4, 3)], 2),
      0,
    );
    const rd = b.ready();
    expect(termsOf(b)).toEqual([1, 1, 2, 3]);
    expect(rd.entries.map((e) => [e.index, e.term])).toEqual([[4, 3]]);
    expect(responsesFrom(rd.messages, 'b').map((m) => [m.reject, m.index])).toEqual([[false, 4]]);
  });

  it('an append whose entries all match never truncates a longer log', () => {
    const b = follower();
    b.step(appendMsg('a', 'b', 3, { index: 2, term: 1 }, entriesOf(3, 4, 2), 2), 0);
    const rd = b.ready();
    expect(termsOf(b)).toEqual([1, 1, 2, 2, 2]);
    expect(rd.entries).toEqual([]);
    // It acknowledges what the append proved, not its whole log.
    expect(responsesFrom(rd.messages, 'b').map((m) => [m.reject, m.index])).toEqual([[false, 4]]);
  });

  it('a failed consistency check changes nothing', () => {
    const b = follower();
    b.step(appendMsg('a', 'b', 3, { index: 4, term: 3 }, entriesOf(5, 6, 3), 2), 0);
    const rd = b.ready();
    expect(termsOf(b)).toEqual([1, 1, 2, 2, 2]);
    expect(rd.entries).toEqual([]);
    expect(responsesFrom(rd.messages, 'b').map((m) => [m.reject, m.index, m.hintIndex, m.hintTerm])).toEqual([
      [true, 4, 4, 2],
    ]);
  });

  it('commits no further than the last entry the append proved, nor than the leader commit', () => {
    const b = makeCore('b', IDS, {
      hardState: { term: 3, vote: null, commit: 1 },
      log: logOf(1, 1, 2, 2, 2),
    });
    // The leader committed 5, but this append only proves index 2: b's 3..5 may not be the leader's.
    b.step(appendMsg('a', 'b', 3, { index: 1, term: 1 }, entriesOf(2, 2, 1), 5), 0);
    b.ready();
    expect(termsOf(b)).toEqual([1, 1, 2, 2, 2]);
    expect(b.log.committed).toBe(2);
    // This one proves index 3, but the leader has only committed 2.
    b.step(appendMsg('a', 'b', 3, { index: 2, term: 1 }, entriesOf(3, 3, 2), 2), 0);
    b.ready();
    expect(b.log.committed).toBe(2);
  });

  it('the ack goes out only once the entries are durable: in `messages`, never `earlyMessages`', () => {
    const b = follower();
    b.step(appendMsg('a', 'b', 3, { index: 5, term: 2 }, entriesOf(6, 7, 3), 2), 0);
    const rd = b.ready();
    expect(rd.entries.map((e) => e.index)).toEqual([6, 7]);
    expect(rd.earlyMessages).toEqual([]);
    expect(responsesFrom(rd.messages, 'b').map((m) => [m.reject, m.index])).toEqual([[false, 7]]);
    b.advance(rd);
    expect(b.log.stabled).toBe(7);
  });
});

describe('row 22: appends delivered in reverse order', () => {
  it('an old, shorter append after a newer one neither truncates the follower nor lowers its match', () => {
    // b is probed right after a's election; a later heartbeat answer makes a probe again with more.
    // c stays cut off so that nothing commits past index 1 behind b's back (b answers an append
    // below its commit index with that commit index, which would hide the case).
    const net = Network.of(IDS, { log: logOf(1), hardState: { term: 1, vote: null, commit: 1 } });
    net.isolate('c');
    net.capture = (m) => m.type === 'append' && m.to === 'b';
    net.campaign('a');
    const [a, b] = [net.core('a'), net.core('b')];
    expect(a.propose([{ kind: 'command', data: 'x' }])).toEqual({ ok: true });
    net.deliverAll();
    net.tickTo(net.now + 10);
    const [older, newer] = net.takeCaptured() as AppendMessage[];
    expect([older!.index, indexes(older!.entries), older!.commit]).toEqual([1, [2], 1]);
    expect([newer!.index, indexes(newer!.entries), newer!.commit]).toEqual([1, [2, 3], 1]);

    net.release([newer!]);
    expect(termsOf(b)).toEqual([1, 2, 2]);
    expect(a.progressOf('b')!.match).toBe(3);
    expect(a.log.committed).toBe(3);
    net.release([older!]);
    // The old append matched a prefix: b keeps index 3.
    expect(termsOf(b)).toEqual([1, 2, 2]);
    // b answered the old append with what it proved (2); the leader keeps the match it knows.
    expect(responsesFrom(net.delivered, 'b').map((m) => [m.reject, m.index])).toEqual([
      [false, 3],
      [false, 2],
    ]);
    expect(a.progressOf('b')!.match).toBe(3);
    expect(a.progressOf('b')!.next).toBe(4);
    // What is still held for b is the new commit index; with it b commits its whole log.
    net.release(net.takeCaptured());
    expect(b.log.committed).toBe(3);
    expect(net.captured).toEqual([]);
  });

  it('a pipelined append arriving before its predecessor is refused, then the log is repaired', () => {
    // c is cut off so that no commit-carrying append joins the two under test.
    const net = electedCluster();
    const [a, b] = [net.core('a'), net.core('b')];
    net.isolate('c');
    net.capture = (m) => m.type === 'append' && m.to === 'b';
    expect(a.progressOf('b')!.state).toBe('replicate');
    a.propose([{ kind: 'command', data: 'x' }]);
    a.propose([{ kind: 'command', data: 'y' }]);
    net.deliverAll();
    const [first, second] = net.takeCaptured() as AppendMessage[];
    expect([first!.index, indexes(first!.entries)]).toEqual([1, [2]]);
    expect([second!.index, indexes(second!.entries)]).toEqual([2, [3]]);

    net.release([second!]);
    // No gap is ever written: b cannot place index 3 without index 2.
    expect(termsOf(b)).toEqual([1]);
    expect(responsesFrom(net.delivered, 'b').at(-1)).toMatchObject({
      reject: true,
      index: 2,
      hintIndex: 1,
      hintTerm: 1,
    });
    expect(a.progressOf('b')!.match).toBe(1);

    net.release([first!]);
    expect(termsOf(b)).toEqual([1, 1]);
    expect(a.progressOf('b')!.match).toBe(2);

    // The leader re-sent what b still lacks; let it all through.
    net.capture = undefined;
    net.release(net.takeCaptured());
    expect(termsOf(b)).toEqual([1, 1, 1]);
    expect(b.log.entry(2)!.data).toBe('x');
    expect(b.log.entry(3)!.data).toBe('y');
    expect(a.progressOf('b')!.match).toBe(3);
    expect(b.log.committed).toBe(3);
  });
});

describe('stale answers', () => {
  it('a late rejection of an append already superseded does not send a follower back', () => {
    const net = electedCluster();
    const a = net.core('a');
    a.propose([{ kind: 'command', data: 'x' }]);
    a.propose([{ kind: 'command', data: 'y' }]);
    net.deliverAll();
    expect([a.progressOf('b')!.state, a.progressOf('b')!.match, a.progressOf('b')!.next]).toEqual([
      'replicate',
      3,
      4,
    ]);
    const sentBefore = net.sent.length;
    // Say b once refused a probe at index 2 and the answer was delayed until now.
    net.inject(appendResponseMsg('b', 'a', 1, 2, true, { index: 1, term: 1 }));
    net.deliverAll();
    expect([a.progressOf('b')!.state, a.progressOf('b')!.match, a.progressOf('b')!.next]).toEqual([
      'replicate',
      3,
      4,
    ]);
    expect(appendsTo(net.sent.slice(sentBefore), 'b')).toEqual([]);
  });
});

describe('batching', () => {
  it('a batch of proposals goes out as one append per follower', () => {
    const net = electedCluster();
    const a = net.core('a');
    const batch = Array.from({ length: 20 }, (_, i) => ({ kind: 'command' as const, data: i }));
    expect(a.propose(batch)).toEqual({ ok: true });
    const out = net.flush('a');
    for (const id of ['b', 'c']) {
      const appends = appendsTo(out, id);
      expect(
        appends.map((m) => [m.index, m.logTerm, m.entries.length]),
        id,
      ).toEqual([[1, 1, 20]]);
    }
    net.deliver(out);
    for (const id of IDS) expect(net.core(id).log.committed, id).toBe(21);
  });

  it('proposals made while a follower is paused go out together when it resumes', () => {
    // Right after the election every follower is probed: one append, then wait for the answer.
    const net = Network.of(IDS);
    net.capture = (m) => m.type === 'append' && m.to === 'b';
    net.campaign('a');
    const a = net.core('a');
    for (const data of ['x', 'y', 'z']) expect(a.propose([{ kind: 'command', data }])).toEqual({ ok: true });
    net.deliverAll();
    expect(a.progressOf('b')!.state).toBe('probe');
    const probe = net.takeCaptured();
    expect(probe.map((m) => (m as AppendMessage).entries.length)).toEqual([1]);
    // c is in replicate state: it got one append per proposal and committed them.
    expect(net.core('c').log.committed).toBe(4);

    net.release(probe);
    // The answer turned b to replicate: everything it lacks comes in one append.
    const caught = net.takeCaptured() as AppendMessage[];
    expect(caught.map((m) => [m.index, indexes(m.entries)])).toEqual([[1, [2, 3, 4]]]);
    expect(a.progressOf('b')!.state).toBe('replicate');
  });

  it("a new leader's first append carries the proposals made before it left the outbox, a sent one nothing more", () => {
    const a = makeCore('a', IDS, { hardState: { term: 1, vote: null, commit: 0 }, log: logOf(1) });
    a.campaignNow();
    const vote = a.ready();
    a.advance(vote);
    for (const from of ['b', 'c'])
      a.step({ type: 'voteResponse', from, to: 'a', term: 2, preVote: false, reject: false }, 0);
    expect(a.role).toBe('leader');
    // Proposed as it took over (an app's waiting edit, say), before the runtime took the messages.
    expect(a.propose([{ kind: 'command', data: 'x' }])).toEqual({ ok: true });
    const first = a.ready();
    const probes = ofType([...first.earlyMessages, ...first.messages], 'append');
    expect(probes.map((m) => [m.to, m.index, indexes(m.entries)])).toEqual([
      ['b', 1, [2, 3]],
      ['c', 1, [2, 3]],
    ]);
    // Once taken, a probe is on its way: a later proposal waits for its answer, as paper 5.3 has it.
    expect(a.propose([{ kind: 'command', data: 'y' }])).toEqual({ ok: true });
    const second = a.ready();
    expect(ofType([...second.earlyMessages, ...second.messages], 'append')).toEqual([]);
    expect(probes.map((m) => indexes(m.entries))).toEqual([
      [2, 3],
      [2, 3],
    ]);
  });

  it('maxEntriesPerAppend splits a batch into pipelined appends', () => {
    const net = electedCluster({ maxEntriesPerAppend: 8 });
    const a = net.core('a');
    a.propose(Array.from({ length: 20 }, (_, i) => ({ kind: 'command' as const, data: i })));
    const out = net.flush('a');
    expect(appendsTo(out, 'b').map((m) => [m.index, m.entries.length])).toEqual([
      [1, 8],
      [9, 8],
      [17, 4],
    ]);
    net.deliver(out);
    expect(termsOf(net.core('b'))).toHaveLength(21);
    expect(net.core('b').log.committed).toBe(21);
  });
});

describe('the inflight window', () => {
  it('replicate state stops at maxInflight unacknowledged appends and resumes as acks free slots', () => {
    const net = electedCluster({ maxInflight: 2, maxEntriesPerAppend: 1 });
    const [a, b] = [net.core('a'), net.core('b')];
    expect(a.progressOf('b')!.state).toBe('replicate');
    net.capture = (m) => m.type === 'append' && m.to === 'b';
    for (let i = 0; i < 5; i++) expect(a.propose([{ kind: 'command', data: i }]).ok).toBe(true);
    net.deliverAll();

    let held = net.takeCaptured() as AppendMessage[];
    expect(held.map((m) => indexes(m.entries))).toEqual([[2], [3]]);
    expect(a.progressOf('b')!.inflight).toEqual([2, 3]);
    expect(a.progressOf('b')!.next).toBe(4);
    // c, whose acks flow, has everything: the window is per follower.
    expect(termsOf(net.core('c'))).toEqual([1, 1, 1, 1, 1, 1]);
    expect(a.log.committed).toBe(6);

    // One ack frees one slot: exactly one more append goes out.
    net.release([held[0]!]);
    expect(a.progressOf('b')!.match).toBe(2);
    let more = net.takeCaptured() as AppendMessage[];
    expect(more.map((m) => indexes(m.entries))).toEqual([[4]]);
    expect(a.progressOf('b')!.inflight).toEqual([3, 4]);

    // Deliver everything b is sent from now on, in order.
    net.capture = undefined;
    held = [held[1]!, ...more];
    net.release(held);
    more = net.takeCaptured() as AppendMessage[];
    expect(more).toEqual([]);
    expect(termsOf(b)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(a.progressOf('b')!.match).toBe(6);
    expect(a.progressOf('b')!.inflight).toEqual([]);
    expect(b.log.committed).toBe(6);
  });

  it('probe state sends one append at a time, whatever the window', () => {
    const net = Network.of(IDS, { maxInflight: 8, maxEntriesPerAppend: 1 });
    net.capture = (m) => m.type === 'append' && m.to === 'b';
    net.campaign('a');
    const a = net.core('a');
    for (let i = 0; i < 5; i++) a.propose([{ kind: 'command', data: i }]);
    net.deliverAll();
    expect(a.progressOf('b')!.state).toBe('probe');
    expect(
      net.takeCaptured().map((m) => [(m as AppendMessage).index, indexes((m as AppendMessage).entries)]),
    ).toEqual([[0, [1]]]);
    // A heartbeat answer lets the probe go again: still one append.
    net.tickTo(net.now + 10);
    expect(a.progressOf('b')!.state).toBe('probe');
    expect(
      net.takeCaptured().map((m) => [(m as AppendMessage).index, indexes((m as AppendMessage).entries)]),
    ).toEqual([[0, [1]]]);
  });
});

describe('row 25: bounded uncommitted log without a quorum', () => {
  it('refuses proposals with UNCOMMITTED_LIMIT once the limit is reached, and resumes after healing', () => {
    const net = electedCluster({ maxUncommittedEntries: 5 });
    const a = net.core('a');
    net.isolate('b');
    net.isolate('c');
    for (let i = 0; i < 5; i++)
      expect(a.propose([{ kind: 'command', data: i }]), `proposal ${i}`).toEqual({ ok: true });
    net.deliverAll();
    expect([a.log.lastIndex(), a.log.committed]).toEqual([6, 1]);

    for (let i = 0; i < 20; i++) {
      const outcome = a.propose([{ kind: 'command', data: 'more' }]);
      expect(outcome.ok).toBe(false);
      expect(outcome.ok === false && outcome.code).toBe('UNCOMMITTED_LIMIT');
    }
    // Batches are refused as a whole.
    const batch = a.propose(Array.from({ length: 10 }, () => ({ kind: 'command' as const })));
    expect(batch.ok === false && batch.code).toBe('UNCOMMITTED_LIMIT');
    // So are proposals forwarded by a follower.
    net.inject({ type: 'propose', from: 'b', to: 'a', term: 1, entries: [{ kind: 'command', data: 'fwd' }] });
    net.deliverAll();
    expect(a.log.lastIndex()).toBe(6);
    net.runFor(50);
    expect(a.log.lastIndex()).toBe(6);

    net.recover();
    net.runFor(20);
    expect(a.role).toBe('leader');
    for (const id of IDS) expect(net.core(id).log.committed, id).toBe(6);
    expect(a.propose([{ kind: 'command', data: 'after' }])).toEqual({ ok: true });
    net.deliverAll();
    expect(a.log.committed).toBe(7);
  });
});
