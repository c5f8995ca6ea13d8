/**
 * Elections (paper 5.2, thesis 3.10, 6.2, 6.4, 9.6): docs/scenarios.md rows 15, 17, 18, 19, 20 and 23, plus
 * pre-vote terms, the new leader's noop and leadership transfer.
 */
import { describe, expect, it } from 'vitest';
import type { AppendMessage, Message } from '../../src/protocol/types.js';
import { clusterWithLog, heartbeatMsg, logOf, Network, ofType, termsOf } from './harness.js';

const IDS = ['a', 'b', 'c'];

/** Role, term and known leader of every node, for compact assertions. */
const states = (net: Network, ids = IDS) =>
  Object.fromEntries(ids.map((id) => [id, [net.core(id).role, net.core(id).term, net.core(id).leader]]));

const votesFrom = (msgs: readonly Message[], from: string) =>
  ofType(msgs, 'voteResponse').filter((m) => m.from === from);

describe('row 15: dueling candidates', () => {
  it('the stale candidate cannot win; terms and logs end as expected', () => {
    const net = Network.of(IDS);
    net.cut('a', 'c');
    net.campaign('a');
    // a wins term 1 with b's vote; c, cut from a, campaigns too and b refuses it (vote spent).
    net.campaign('c');
    expect(states(net)).toEqual({
      a: ['leader', 1, 'a'],
      b: ['follower', 1, 'a'],
      c: ['candidate', 1, null],
    });
    expect(net.core('a').log.committed).toBe(1);

    net.recover();
    // c tries again at term 2: its empty log loses to [1:1] everywhere, but its term spreads.
    net.campaign('c');
    expect(states(net)).toEqual({
      a: ['follower', 2, null],
      b: ['follower', 2, null],
      c: ['follower', 2, null],
    });
    expect(IDS.map((id) => termsOf(net.core(id)))).toEqual([[1], [1], []]);
    expect(IDS.map((id) => net.core(id).log.committed)).toEqual([1, 1, 0]);
    expect(
      votesFrom(net.delivered, 'a')
        .filter((m) => m.term === 2)
        .map((m) => m.reject),
    ).toEqual([true]);
    expect(
      votesFrom(net.delivered, 'b')
        .filter((m) => m.term === 2)
        .map((m) => m.reject),
    ).toEqual([true]);
    expect(net.sentWhere((m) => m.type === 'append' && m.from === 'c')).toEqual([]);

    // The cluster recovers: the next election completes and repairs c.
    net.campaign('a');
    expect(states(net)).toEqual({ a: ['leader', 3, 'a'], b: ['follower', 3, 'a'], c: ['follower', 3, 'a'] });
    expect(termsOf(net.core('c'))).toEqual([1, 3]);
    expect(net.core('c').log.committed).toBe(2);
  });

  it('with pre-vote the stale candidate does not even raise the term', () => {
    const net = Network.of(IDS, { preVote: true });
    net.cut('a', 'c');
    net.campaign('a');
    net.campaign('c');
    // b refuses c's pre-vote in its own term, 1: c learns that term and reverts to follower.
    expect(states(net)).toEqual({ a: ['leader', 1, 'a'], b: ['follower', 1, 'a'], c: ['follower', 1, null] });

    net.recover();
    net.campaign('c');
    // c learned term 1 from a's rejection and stays a follower; a keeps leading term 1.
    expect(states(net)).toEqual({ a: ['leader', 1, 'a'], b: ['follower', 1, 'a'], c: ['follower', 1, null] });
    net.tickTo(net.now + 10);
    expect(states(net)).toEqual({ a: ['leader', 1, 'a'], b: ['follower', 1, 'a'], c: ['follower', 1, 'a'] });
    expect(termsOf(net.core('c'))).toEqual([1]);
  });
});

describe('row 17: disruptive follower', () => {
  /** a leads term 1; c is cut off and misses a committed entry while its election timer fires. */
  function isolatedFollower(options: Parameters<typeof Network.of>[1]): Network {
    const net = Network.of(IDS, options);
    net.campaign('a');
    expect(net.core('a').term).toBe(1);
    net.isolate('c');
    net.core('a').propose([{ kind: 'command', data: 'x' }]);
    net.deliverAll();
    expect(net.core('a').log.committed).toBe(2);
    net.runFor(400);
    expect(states(net, ['a', 'b'])).toEqual({ a: ['leader', 1, 'a'], b: ['follower', 1, 'a'] });
    return net;
  }

  it('without pre-vote or check-quorum, the rejoining follower deposes the leader', () => {
    const net = isolatedFollower({});
    const c = net.core('c');
    expect(c.role).toBe('candidate');
    expect(c.term).toBeGreaterThan(1);
    net.recover();
    // Heartbeats from the lower term are ignored by c; its next campaign reaches the others.
    net.tickTo(net.now + 10);
    expect(states(net, ['a'])).toEqual({ a: ['leader', 1, 'a'] });
    net.campaign('c');
    const t = c.term;
    // The leader stepped down to c's term; c, behind in the log, could not win.
    expect(states(net)).toEqual({
      a: ['follower', t, null],
      b: ['follower', t, null],
      c: ['follower', t, null],
    });
    // c, still behind, may time out and campaign again (and so delay the others) a few times before
    // a or b times out first and wins.
    net.runFor(1000);
    const [leader] = net.leaders();
    expect(leader!.id).not.toBe('c');
    expect(leader!.term).toBeGreaterThan(t);
    expect(termsOf(c).slice(0, 2)).toEqual([1, 1]);
  });

  it('with pre-vote, the rejoining follower neither raises its term nor disrupts the leader', () => {
    const net = isolatedFollower({ preVote: true });
    const c = net.core('c');
    expect([c.role, c.term]).toEqual(['precandidate', 1]);
    net.recover();
    net.campaign('c');
    expect(states(net)).toEqual({ a: ['leader', 1, 'a'], b: ['follower', 1, 'a'], c: ['follower', 1, null] });
    net.runFor(50);
    expect(states(net)).toEqual({ a: ['leader', 1, 'a'], b: ['follower', 1, 'a'], c: ['follower', 1, 'a'] });
    expect(termsOf(c)).toEqual([1, 1]);
    expect(c.log.committed).toBe(2);
  });

  it('with pre-vote and check-quorum, even an up-to-date follower cannot disrupt a live leader', () => {
    const net = Network.of(IDS, { preVote: true, checkQuorum: true });
    net.campaign('a');
    net.isolate('c');
    net.runFor(400);
    net.recover();
    // c's log is as up to date as anyone's, but a and b hold a live leader: they ignore it.
    net.campaign('c');
    expect(states(net)).toEqual({
      a: ['leader', 1, 'a'],
      b: ['follower', 1, 'a'],
      c: ['precandidate', 1, null],
    });
    expect(
      votesFrom(net.delivered, 'a')
        .concat(votesFrom(net.delivered, 'b'))
        .filter((m) => m.to === 'c'),
    ).toEqual([]);
    net.runFor(20);
    expect(states(net)).toEqual({ a: ['leader', 1, 'a'], b: ['follower', 1, 'a'], c: ['follower', 1, 'a'] });
  });
});

describe('row 18: stuck candidate with check-quorum', () => {
  it('a higher-term candidate vs a leader holding its lease: the cluster un-sticks', () => {
    const net = Network.of(IDS, { checkQuorum: true });
    net.campaign('a');
    net.isolate('a');
    // b still holds a's lease and ignores c, twice.
    net.campaign('c');
    expect(states(net, ['b', 'c'])).toEqual({ b: ['follower', 1, 'a'], c: ['candidate', 2, null] });
    net.campaign('c');
    expect(states(net, ['b', 'c'])).toEqual({ b: ['follower', 1, 'a'], c: ['candidate', 3, null] });
    expect(ofType(net.delivered, 'voteResponse').filter((m) => m.to === 'c')).toEqual([]);

    net.recover();
    // a's heartbeat reaches c, which answers with its term: the stale leader steps down.
    net.tickTo(net.now + 10);
    expect(states(net)).toEqual({
      a: ['follower', 3, null],
      b: ['follower', 1, 'a'],
      c: ['candidate', 3, null],
    });
    const reply = ofType(net.delivered, 'appendResponse').filter((m) => m.from === 'c' && m.term > 1);
    expect(reply.map((m) => [m.term, m.reject])).toEqual([[3, true]]);

    // Now c can win: a votes for it (b still ignores it, its lease is live), and everyone follows.
    net.campaign('c');
    expect(states(net)).toEqual({ a: ['follower', 4, 'c'], b: ['follower', 4, 'c'], c: ['leader', 4, 'c'] });
    for (const id of IDS) expect(termsOf(net.core(id)), id).toEqual([1, 4]);
  });
});

describe('row 19: a node with a smaller term completes an election (pre-vote)', () => {
  it('the lagging node learns the term from a pre-vote rejection and then elects a leader', () => {
    const net = Network.of(IDS, { preVote: true });
    net.cut('a', 'c');
    net.cut('b', 'c');
    net.campaign('a');
    net.campaign('c');
    net.campaign('b');
    expect(states(net)).toEqual({
      a: ['follower', 2, 'b'],
      b: ['leader', 2, 'b'],
      c: ['precandidate', 0, null],
    });

    // c comes back as b (the leader) is cut off.
    net.recover();
    net.cut('b', 'a');
    net.cut('b', 'c');
    net.campaign('c');
    expect(states(net, ['a', 'c'])).toEqual({ a: ['follower', 2, 'b'], c: ['follower', 2, null] });
    net.campaign('a');
    expect(states(net, ['a', 'c'])).toEqual({ a: ['leader', 3, 'a'], c: ['follower', 3, 'a'] });
    expect(termsOf(net.core('c'))).toEqual([1, 2, 3]);
    expect(net.core('c').log.committed).toBe(3);
  });
});

describe('row 23: check-quorum', () => {
  it('votes are ignored while the lease is live, and granted once it has expired', () => {
    // Long, identical election jitter: nobody's timer fires in this test.
    const net = Network.of(IDS, { checkQuorum: true, random: () => 0.999 });
    net.campaign('a');
    net.campaign('c');
    // Neither the leader nor b (which heard from it just now) answers; no term moves but c's.
    expect(votesFrom(net.delivered, 'a')).toEqual([]);
    expect(votesFrom(net.delivered, 'b').filter((m) => m.to === 'c')).toEqual([]);
    expect(states(net)).toEqual({
      a: ['leader', 1, 'a'],
      b: ['follower', 1, 'a'],
      c: ['candidate', 2, null],
    });
    expect(net.core('b').vote).toBe('a');

    // The leader dies. Within an election timeout of its last message b still ignores c...
    net.isolate('a');
    net.runFor(90);
    net.campaign('c');
    expect(states(net, ['b', 'c'])).toEqual({ b: ['follower', 1, 'a'], c: ['candidate', 3, null] });
    // ...after it, b votes.
    net.runFor(20);
    net.campaign('c');
    expect(states(net, ['b', 'c'])).toEqual({ b: ['follower', 4, 'c'], c: ['leader', 4, 'c'] });
  });

  it('the leader steps down after losing its quorum for an election timeout', () => {
    const net = Network.of(IDS, { checkQuorum: true });
    net.campaign('a');
    const a = net.core('a');
    // Connected, it keeps leading through many check-quorum rounds.
    net.runFor(500);
    expect([a.role, a.term]).toEqual(['leader', 1]);

    net.isolate('a');
    net.runFor(90);
    expect(a.role).toBe('leader');
    net.runFor(110);
    expect([a.role, a.term, a.leader]).toEqual(['follower', 1, null]);
  });

  it('with pre-vote too, a new leader is elected once the dead leader lease has expired', () => {
    const net = Network.of(IDS, { preVote: true, checkQuorum: true });
    net.campaign('a');
    net.isolate('a');
    net.runFor(400);
    const [leader, ...others] = net.leaders().filter((c) => c.id !== 'a');
    expect(others).toEqual([]);
    expect(leader!.term).toBe(2);
    // The old leader stepped down (check-quorum) and, alone, keeps pre-campaigning at term 1.
    expect([net.core('a').role, net.core('a').term]).toEqual(['precandidate', 1]);
    // It rejoins and follows.
    net.recover();
    net.runFor(20);
    const expected = [leader!.id, 2];
    for (const id of IDS) expect([net.core(id).leader, net.core(id).term], id).toEqual(expected);
    expect(net.leaders()).toEqual([leader]);
  });

  it('without check-quorum, an isolated leader never steps down on its own', () => {
    const net = Network.of(IDS);
    net.campaign('a');
    net.isolate('a');
    net.runFor(1000);
    expect([net.core('a').role, net.core('a').term]).toEqual(['leader', 1]);
  });
});

describe('pre-vote', () => {
  it('does not raise terms: an isolated node campaigns again and again at the same term', () => {
    const net = Network.of(IDS, { preVote: true });
    net.campaign('a');
    // One successful pre-vote round, then exactly one real term.
    expect(states(net)).toEqual({ a: ['leader', 1, 'a'], b: ['follower', 1, 'a'], c: ['follower', 1, 'a'] });
    net.isolate('c');
    net.runFor(1000);
    const c = net.core('c');
    expect([c.role, c.term, c.vote]).toEqual(['precandidate', 1, 'a']);
    expect(net.durableOf('c').hardState).toMatchObject({ term: 1, vote: 'a' });
    const requests = ofType(net.sent, 'vote').filter((m) => m.from === 'c');
    expect(requests.length).toBeGreaterThanOrEqual(6);
    expect(requests.every((m) => m.preVote && m.term === 2)).toBe(true);

    net.recover();
    net.runFor(20);
    expect(states(net)).toEqual({ a: ['leader', 1, 'a'], b: ['follower', 1, 'a'], c: ['follower', 1, 'a'] });
  });
});

describe('a new leader appends a noop of its term', () => {
  it('and it commits the earlier entries with it', () => {
    const net = clusterWithLog(IDS, logOf(1, 1), 1, 0);
    net.capture = (m) => m.type === 'append';
    net.campaign('a');
    const a = net.core('a');
    expect([a.role, a.term]).toEqual(['leader', 2]);
    expect(a.log.entry(3)).toEqual({ index: 3, term: 2, kind: 'noop' });
    // The noop is what the first appends carry.
    const first = net.takeCaptured() as AppendMessage[];
    expect(first.map((m) => [m.to, m.index, m.logTerm, m.entries])).toEqual([
      ['b', 2, 1, [{ index: 3, term: 2, kind: 'noop' }]],
      ['c', 2, 1, [{ index: 3, term: 2, kind: 'noop' }]],
    ]);
    expect(a.log.committed).toBe(0);

    net.capture = undefined;
    net.release(first);
    for (const id of IDS) {
      expect(termsOf(net.core(id)), id).toEqual([1, 1, 2]);
      expect(net.core(id).log.committed, id).toBe(3);
      expect(
        net.applied.get(id)!.map((e) => e.index),
        id,
      ).toEqual([1, 2, 3]);
    }
  });
});

describe('leadership transfer', () => {
  it('to an up-to-date follower: timeoutNow, then it wins at once, even against leases', () => {
    const net = Network.of(IDS, { checkQuorum: true });
    net.campaign('a');
    expect(net.core('a').transferLeader('b')).toEqual({ ok: true });
    net.deliverAll();
    expect(ofType(net.delivered, 'timeoutNow').map((m) => [m.from, m.to, m.term])).toEqual([['a', 'b', 1]]);
    const requests = ofType(net.delivered, 'vote').filter((m) => m.from === 'b');
    expect(requests.map((m) => [m.to, m.term, m.preVote, m.transfer])).toEqual([
      ['a', 2, false, true],
      ['c', 2, false, true],
    ]);
    expect(states(net)).toEqual({ a: ['follower', 2, 'b'], b: ['leader', 2, 'b'], c: ['follower', 2, 'b'] });
    expect(termsOf(net.core('a'))).toEqual([1, 2]);
  });

  it('to a lagging follower: it is caught up first, then told to campaign', () => {
    const net = Network.of(IDS);
    net.campaign('a');
    const a = net.core('a');
    net.isolate('c');
    a.propose([{ kind: 'command', data: 1 }]);
    a.propose([{ kind: 'command', data: 2 }]);
    a.propose([{ kind: 'command', data: 3 }]);
    net.deliverAll();
    expect(a.log.committed).toBe(4);
    net.recover();

    expect(a.transferLeader('c')).toEqual({ ok: true });
    net.deliverAll();
    // Proposals are refused while leadership is being handed over.
    const refused = a.propose([{ kind: 'command', data: 4 }]);
    expect(refused.ok === false && refused.code).toBe('TRANSFERRING');
    net.runFor(20);

    const ack = net.sent.findIndex(
      (m) => m.type === 'appendResponse' && m.from === 'c' && !m.reject && m.index === 4,
    );
    const timeoutNow = net.sent.findIndex((m) => m.type === 'timeoutNow');
    expect(ack).toBeGreaterThanOrEqual(0);
    expect(timeoutNow).toBeGreaterThan(ack);
    expect(ofType(net.sent, 'timeoutNow')).toHaveLength(1);
    expect(states(net)).toEqual({ a: ['follower', 2, 'c'], b: ['follower', 2, 'c'], c: ['leader', 2, 'c'] });
    expect(termsOf(net.core('c'))).toEqual([1, 1, 1, 1, 2]);
    expect(net.core('c').log.committed).toBe(5);
  });

  it('to an unreachable follower: abandoned after an election timeout, proposals resume', () => {
    const net = Network.of(IDS);
    net.campaign('a');
    const a = net.core('a');
    net.isolate('c');
    a.transferLeader('c');
    net.runFor(90);
    expect(a.propose([{ kind: 'command' }]).ok).toBe(false);
    net.runFor(20);
    expect(a.role).toBe('leader');
    expect(a.propose([{ kind: 'command' }])).toEqual({ ok: true });
    expect(a.status().transferee).toBeNull();
  });
});

describe('row 20: read index on a new leader', () => {
  function newLeaderWithHeldNoop(): Network {
    const net = clusterWithLog(IDS, logOf(1), 1, 1);
    net.capture = (m) => m.type === 'append' && m.from === 'a';
    net.campaign('a');
    // A heartbeat round lets followers know the leader (appends stay held).
    net.tickTo(net.now + 10);
    expect(states(net)).toEqual({ a: ['leader', 2, 'a'], b: ['follower', 2, 'a'], c: ['follower', 2, 'a'] });
    expect(net.core('a').log.committed).toBe(1);
    return net;
  }

  it('is held until the leader commits an entry of its term, then served at that index', () => {
    const net = newLeaderWithHeldNoop();
    expect(net.core('a').readIndex('r1')).toEqual({ ok: true });
    expect(net.core('b').readIndex('r2')).toEqual({ ok: true, forwardedTo: 'a' });
    net.deliverAll();
    net.tickTo(net.now + 10);
    // Nothing served, and no leadership round started for them yet.
    expect(net.readStates.get('a')).toEqual([]);
    expect(net.readStates.get('b')).toEqual([]);
    expect(ofType(net.sent, 'heartbeat').filter((m) => m.context !== undefined)).toEqual([]);

    net.capture = undefined;
    net.release(net.takeCaptured());
    expect(net.core('a').log.committed).toBe(2);
    // Served at the noop's index (2), not at the commit index the leader had when asked (1).
    expect(net.readStates.get('a')).toEqual([{ context: 'r1', index: 2 }]);
    expect(net.readStates.get('b')).toEqual([{ context: 'r2', index: 2 }]);
  });

  it('a held read is refused if the leader loses leadership first', () => {
    const net = newLeaderWithHeldNoop();
    net.core('a').readIndex('r1');
    net.deliverAll();
    net.inject(heartbeatMsg('c', 'a', 3));
    net.deliverAll();
    expect(net.core('a').role).toBe('follower');
    expect(net.readStates.get('a')).toEqual([{ context: 'r1', index: -1 }]);
  });
});
