/**
 * Regression tests for the protocol core, one per bug found while reviewing packages/core/src/protocol/
 * against etcd-io/raft and the Raft thesis: each failed before its fix.
 */
import { describe, expect, it } from 'vitest';
import type { ClusterConfig, ProposeMessage, Snapshot, SnapshotMessage } from '../../src/protocol/types.js';
import { ELECTION_TIMEOUT, HEARTBEAT_INTERVAL, makeCore, Network, ofType } from './harness.js';

const IDS = ['a', 'b', 'c'];

describe('lease reads and leadership transfer', () => {
  it('a leader that sent TimeoutNow serves no lease read for the rest of its term, even after its transfer timed out', () => {
    // Lease reads (thesis 6.4.1) are safe only because voters refuse votes while they heard from the
    // leader recently. A transfer campaign (timeoutNow -> vote with transfer: true) bypasses that. The
    // leader stops lease reads while `transferee` is set, but resumes them once the transfer deadline
    // clears it, although the transferee is still a candidate of the next term whose vote requests
    // (still flagged `transfer`) can win at any time.
    // A candidate waits two election timeouts before it tries again (RaftOptions allow any value).
    const net = Network.of(IDS, {
      checkQuorum: true,
      preVote: true,
      readPolicy: 'lease',
      candidateTimeout: () => 2 * ELECTION_TIMEOUT,
      now: -1000,
    });
    net.campaign('a');
    const [a, b, c] = [net.core('a'), net.core('b'), net.core('c')];
    expect([a.role, a.term]).toEqual(['leader', 1]);
    net.tickTo(HEARTBEAT_INTERVAL); // a heartbeat round: a now holds a lease

    // Transfer to b (up to date: timeoutNow at once). b campaigns at term 2; its vote requests are slow.
    net.capture = (m) => m.type === 'vote' && m.from === 'b';
    expect(a.transferLeader('b', net.now).ok).toBe(true);
    net.deliverAll();
    expect([b.role, b.term]).toEqual(['candidate', 2]);
    net.cut('a', 'b');

    // Time goes on; the transfer deadline passes on a, while b is still a candidate of term 2.
    for (
      let t = 2 * HEARTBEAT_INTERVAL;
      t <= HEARTBEAT_INTERVAL + ELECTION_TIMEOUT + 10;
      t += HEARTBEAT_INTERVAL
    )
      net.tickTo(t);
    expect(a.role).toBe('leader');
    expect([b.role, b.term]).toEqual(['candidate', 2]);
    expect(a.status().transferee).toBeNull();

    // c acked a's latest heartbeat; now b's delayed vote request reaches c, which grants it (transfer
    // votes ignore the lease). b leads term 2 with c and commits a write.
    net.cut('a', 'c');
    net.release(net.takeCaptured((m) => m.to === 'c'));
    expect([b.role, b.term, c.vote]).toEqual(['leader', 2, 'b']);
    b.propose([{ kind: 'command', data: 'w' }], net.now);
    net.deliverAll();
    const committedByB = b.log.committed;
    expect(b.log.entry(committedByB)?.data).toBe('w');

    // After the write committed, a read on a: it must not be answered with an index before the write.
    a.readIndex('stale?', net.now + 1);
    net.deliverAll();
    const stale = net.readStates
      .get('a')!
      .filter((r) => r.context === 'stale?' && r.index >= 0 && r.index < committedByB);
    expect(stale).toEqual([]);
  });
});

describe('snapshot streaming', () => {
  it('heartbeat answers during a chunked snapshot do not start more chunk streams (one chunk in flight)', () => {
    // a leads with its log compacted into a snapshot at 5 (c has it too); b has nothing and needs it.
    const data = 'x'.repeat(2000);
    const chunkSize = 100;
    const chunks = Math.ceil(JSON.stringify(data).length / chunkSize); // 21
    const config: ClusterConfig = { voters: IDS, learners: [] };
    const snapshot: Snapshot = { meta: { index: 5, term: 1, config }, data };
    const hs = { term: 1, vote: null, commit: 5 };
    const opts = { snapshotChunkChars: chunkSize, hardState: hs };
    const net = new Network([
      makeCore('a', IDS, { ...opts, snapshot }),
      makeCore('b', IDS, { snapshotChunkChars: chunkSize, hardState: { term: 1, vote: null, commit: 0 } }),
      makeCore('c', IDS, { ...opts, snapshot }),
    ]);
    // Chunks to b are slow: held until released.
    net.capture = (m) => m.type === 'snapshot' && m.to === 'b';
    net.campaign('a');
    const a = net.core('a');
    expect(a.role).toBe('leader');
    expect(a.progressOf('b')!.state).toBe('snapshot');
    expect(net.captured.length).toBe(1);

    // Five heartbeat rounds while the first chunk is still on its way.
    for (let i = 1; i <= 5; i++) net.tickTo(i * HEARTBEAT_INTERVAL);

    // Then the network delivers whatever is in flight, with no further heartbeats, until b is done.
    while (net.captured.length > 0) net.release(net.takeCaptured());
    expect(net.core('b').log.committed).toBeGreaterThanOrEqual(5);
    expect(a.progressOf('b')!.state).toBe('replicate');

    // Before, every heartbeat answer started one more stream that lived until the end (6x the chunks).
    // Now a chunk is resent only when a whole heartbeat round brought no progress (here, the first
    // chunk, at four of the five rounds), and answers to such copies start nothing more.
    const sent = net.sentWhere((m) => m.type === 'snapshot' && m.to === 'b').length;
    expect(sent).toBe(chunks + 4);
  });
});

describe('membership changes', () => {
  it('a batch with two configuration changes is refused: one change at a time (thesis 4.1)', () => {
    const net = Network.of(IDS);
    net.campaign('a');
    const a = net.core('a');
    expect(a.log.committed).toBe(1);
    // A schema-valid forwarded proposal: each change is one server away from the one before it.
    const propose: ProposeMessage = {
      type: 'propose',
      from: 'b',
      to: 'a',
      term: a.term,
      entries: [
        { kind: 'config', data: { voters: ['a', 'b', 'c', 'd'], learners: [] } },
        { kind: 'config', data: { voters: ['a', 'b', 'c', 'd', 'e'], learners: [] } },
      ],
    };
    net.cut('a', 'b');
    net.cut('a', 'c'); // nothing commits meanwhile: both changes stay uncommitted
    net.inject(propose);
    net.deliverAll();
    const uncommittedConfigs = a.log.entries.filter((e) => e.kind === 'config' && e.index > a.log.committed);
    // {a,b,c} -> {a,b,c,d,e} with nothing committed in between: {a,b} (old majority) and {c,d,e}
    // (new majority) are disjoint, so two leaders could be elected in one term.
    expect(uncommittedConfigs).toEqual([]);
    expect(a.membership.config.voters).toEqual(IDS);
  });
});

describe('leadership transfer back to the leader', () => {
  it('transferLeader(self) while a transfer is pending aborts it (etcd TestLeaderTransferBack)', () => {
    const net = Network.of(IDS);
    net.campaign('a');
    const a = net.core('a');
    net.isolate('b'); // the transfer to b cannot finish
    expect(a.transferLeader('b', net.now).ok).toBe(true);
    net.deliverAll();
    expect(a.status().transferee).toBe('b');
    // Transferring back to the leader itself: etcd aborts the pending transfer.
    expect(a.transferLeader('a', net.now).ok).toBe(true);
    expect(a.status().transferee).toBeNull();
    expect(a.propose([{ kind: 'command', data: 'x' }], net.now).ok).toBe(true);
  });
});

describe('replicate-state stall detection', () => {
  it('a follower whose disk is slower than the heartbeat interval is not mistaken for a lost stream (nothing sent twice)', () => {
    const net = Network.of(IDS, { maxEntriesPerAppend: 1 });
    net.campaign('a');
    const a = net.core('a');
    // b's write takes two heartbeat intervals; meanwhile a pipelines three appends to it.
    net.holdPersist('b');
    net.tickTo(net.now + HEARTBEAT_INTERVAL);
    net.tickTo(net.now + HEARTBEAT_INTERVAL);
    a.propose(
      [
        { kind: 'command', data: 'x' },
        { kind: 'command', data: 'y' },
        { kind: 'command', data: 'z' },
      ],
      net.now,
    );
    net.deliverAll();
    net.releasePersist('b');
    expect(a.progressOf('b')!.match).toBe(a.log.lastIndex());
    // Nothing was dropped. Before, the two heartbeat answers that queued behind b's write looked like
    // "no progress for a heartbeat round": b fell back to probe and every entry in flight was sent again.
    const sent = ofType(
      net.sentWhere((m) => m.type === 'append' && m.to === 'b'),
      'append',
    ).flatMap((m) => m.entries.map((e) => e.index));
    expect(sent.length).toBe(new Set(sent).size);
  });
});

describe('forwarded proposals get one decision per term', () => {
  const forwarded = (term: number, seq: number): ProposeMessage => ({
    type: 'propose',
    from: 'b',
    to: 'a',
    term,
    entries: [{ kind: 'command', data: `p${seq}`, client: 'b~1', seq }],
  });
  const copiesOf = (net: Network, data: string) =>
    net.core('a').log.entries.filter((e) => e.data === data).length;

  it('a second copy of an appended proposal is dropped, not refused', () => {
    const net = Network.of(IDS, { maxUncommittedEntries: 1 });
    net.campaign('a');
    const a = net.core('a');
    // Keep the first copy uncommitted, so a second copy would hit the uncommitted limit.
    net.cut('a', 'b');
    net.cut('a', 'c');
    net.inject(forwarded(a.term, 1));
    net.inject(forwarded(a.term, 1));
    net.deliverAll();
    expect(copiesOf(net, 'p1')).toBe(1);
    expect(net.sentWhere((m) => m.type === 'proposeRefused')).toEqual([]);
  });

  it('a late copy of a refused proposal is refused again, never appended: the refusal stays true', () => {
    const net = Network.of(IDS, { maxUncommittedEntries: 1 });
    net.campaign('a');
    const a = net.core('a');
    net.cut('a', 'b');
    net.cut('a', 'c');
    a.propose([{ kind: 'command', data: 'local' }], net.now);
    net.inject(forwarded(a.term, 2)); // refused: one entry is uncommitted already
    net.deliverAll();
    expect(
      ofType(
        net.sentWhere((m) => m.type === 'proposeRefused'),
        'proposeRefused',
      ),
    ).toMatchObject([{ client: 'b~1', seqs: [2], code: 'UNCOMMITTED_LIMIT' }]);
    // The limit clears once the entry commits; a duplicate of the refused message arrives after that.
    net.recover();
    net.runFor(3 * HEARTBEAT_INTERVAL);
    expect(a.log.committed).toBe(a.log.lastIndex());
    net.inject(forwarded(a.term, 2));
    net.deliverAll();
    expect(copiesOf(net, 'p2')).toBe(0);
    // The same answer again (the first may have been lost): the proposer may report a refusal.
    expect(
      ofType(
        net.sentWhere((m) => m.type === 'proposeRefused'),
        'proposeRefused',
      ),
    ).toMatchObject([
      { client: 'b~1', seqs: [2], code: 'UNCOMMITTED_LIMIT' },
      { client: 'b~1', seqs: [2], code: 'UNCOMMITTED_LIMIT' },
    ]);
    // A new term is a new decision: the proposer's retry after a leader change is taken.
    net.campaign('b');
    net.campaign('a');
    expect(a.role).toBe('leader');
    net.inject(forwarded(a.term, 2));
    net.deliverAll();
    expect(copiesOf(net, 'p2')).toBe(1);
  });
});

describe('removing a member', () => {
  it('the removed follower is sent the entry that removes it and the commit index, then dropped', () => {
    const net = Network.of(IDS);
    net.campaign('a');
    const a = net.core('a');
    const c = net.core('c');
    expect(a.propose([{ kind: 'config', data: { voters: ['a', 'b'], learners: [] } }], net.now).ok).toBe(
      true,
    );
    net.deliverAll();
    const removal = a.log.lastIndex();
    expect(a.log.committed).toBe(removal);
    // c holds its removal, knows it committed, and so knows it is no voter any more.
    expect(c.log.lastIndex()).toBe(removal);
    expect(c.log.committed).toBe(removal);
    expect(c.membership.isVoter('c')).toBe(false);
    // The leader no longer tracks c, and sends it nothing more.
    expect(a.progressOf('c')).toBeUndefined();
    const before = net.sent.length;
    net.runFor(5 * HEARTBEAT_INTERVAL);
    expect(net.sent.slice(before).filter((m) => m.to === 'c')).toEqual([]);
  });
  it('the leader refuses what a removed member forwards with NOT_MEMBER, and never appends it', () => {
    const net = Network.of(IDS);
    net.campaign('a');
    const a = net.core('a');
    const c = net.core('c');
    a.propose([{ kind: 'config', data: { voters: ['a', 'b'], learners: [] } }], net.now);
    net.deliverAll();
    expect(a.membership.isVoter('c')).toBe(false);
    // c still knows a as its leader, so it forwards to it.
    expect(c.propose([{ kind: 'command', data: 'late', client: 'c~1', seq: 1 }], net.now).ok).toBe(true);
    net.deliverAll();
    expect(a.log.entries.filter((e) => e.data === 'late')).toEqual([]);
    expect(
      ofType(
        net.sentWhere((m) => m.type === 'proposeRefused'),
        'proposeRefused',
      ),
    ).toMatchObject([{ to: 'c', client: 'c~1', seqs: [1], code: 'NOT_MEMBER' }]);
    // The refusal is final in this term: a resent copy is refused again, not appended.
    c.propose([{ kind: 'command', data: 'late', client: 'c~1', seq: 1 }], net.now);
    net.deliverAll();
    expect(a.log.entries.filter((e) => e.data === 'late')).toEqual([]);
  });
  it('a caught-up learner is promoted in an idle cluster even when its later append answers are lost', () => {
    // Promotion was only considered on append answers: a learner whose answers stopped once it had
    // caught up (lost, or never needed in an idle cluster) stayed a learner for good.
    const net = Network.of(IDS, { promoteLearners: true });
    net.add(makeCore('d', [], { promoteLearners: true }));
    net.campaign('a');
    const a = net.core('a');
    a.propose([{ kind: 'config', data: { voters: IDS, learners: ['d'] } }], net.now);
    const added = a.log.lastIndex();
    // d acknowledges the entry that adds it while the change is still pending (b's and c's answers
    // are held back), so it cannot be promoted yet...
    net.filter = (m) => !(m.type === 'appendResponse' && (m.from === 'b' || m.from === 'c'));
    net.deliverAll();
    expect(a.progressOf('d')!.match).toBe(added);
    expect(a.log.committed).toBeLessThan(added);
    // ...then the change commits, and every later append answer of d is lost: its heartbeat answers
    // are all the leader hears from it.
    net.filter = (m) => !(m.type === 'appendResponse' && m.from === 'd');
    net.runFor(5 * HEARTBEAT_INTERVAL);
    expect(a.log.committed).toBeGreaterThanOrEqual(added);
    expect(a.membership.config.voters).toContain('d');
    expect(a.membership.config.learners).not.toContain('d');
  });

  it('the leader refuses a read index asked by a removed member with NOT_MEMBER', () => {
    const net = Network.of(IDS);
    net.campaign('a');
    const a = net.core('a');
    const c = net.core('c');
    a.propose([{ kind: 'config', data: { voters: ['a', 'b'], learners: [] } }], net.now);
    net.deliverAll();
    expect(c.readIndex('c-read-1', net.now).ok).toBe(true);
    net.deliverAll();
    expect(
      ofType(
        net.sentWhere((m) => m.type === 'readIndexResponse'),
        'readIndexResponse',
      ),
    ).toMatchObject([{ to: 'c', context: 'c-read-1', index: -1, code: 'NOT_MEMBER' }]);
    expect(net.readStates.get('c')).toEqual([{ context: 'c-read-1', index: -1, code: 'NOT_MEMBER' }]);
  });
});

describe('check-quorum and leases', () => {
  it('a leader cut off right after its election steps down after one election timeout, not two', () => {
    const net = Network.of(IDS, { checkQuorum: true });
    // The followers' answers to the new leader's first append never arrive.
    net.capture = (m) => m.type === 'appendResponse' && m.to === 'a';
    net.campaign('a');
    const a = net.core('a');
    expect(a.role).toBe('leader');
    const electedAt = net.now;
    net.capture = undefined;
    net.isolate('a');
    net.tickTo(electedAt + ELECTION_TIMEOUT);
    expect(a.role).toBe('follower');
  });

  it('an echoed heartbeat time from the future does not extend the lease', () => {
    const net = Network.of(IDS, { checkQuorum: true, readPolicy: 'lease', now: -2 * ELECTION_TIMEOUT });
    net.campaign('a');
    const a = net.core('a');
    expect(a.role).toBe('leader');
    net.inject({ type: 'heartbeatResponse', from: 'b', to: 'a', term: a.term, sentAt: net.now + 1_000_000 });
    expect(a.progressOf('b')!.heartbeatAckedAt).toBeLessThanOrEqual(net.now);
  });
});

describe('snapshot chunks for what a follower already has', () => {
  it('a follower that already committed past a snapshot answers its chunk with its commit index at once', () => {
    const net = Network.of(IDS);
    net.campaign('a');
    const a = net.core('a');
    a.propose([{ kind: 'command', data: 'x' }], net.now);
    a.propose([{ kind: 'command', data: 'y' }], net.now);
    net.deliverAll();
    net.runFor(2 * HEARTBEAT_INTERVAL);
    const b = net.core('b');
    expect(b.log.committed).toBe(3);
    // A late middle chunk of a snapshot at 2 (say, b's answer to its last chunk was lost and the
    // leader resent it): b has it all, and says so instead of asking for the snapshot from offset 0.
    const chunk: SnapshotMessage = {
      type: 'snapshot',
      from: 'a',
      to: 'b',
      term: a.term,
      meta: { index: 2, term: a.term, config: { voters: IDS, learners: [] } },
      offset: 100,
      data: 'x'.repeat(10),
      done: false,
    };
    const before = net.sent.length;
    net.inject(chunk);
    net.deliverAll();
    const answers = net.sent.slice(before).filter((m) => m.from === 'b' && m.to === 'a');
    expect(answers[0]).toMatchObject({ type: 'appendResponse', reject: false, index: 3 });
    expect(answers.filter((m) => m.type === 'snapshotResponse')).toEqual([]);
  });
});

describe('durability across a truncation during a write', () => {
  it('entries truncated while their write was in flight are not taken as durable; the new ones are written', () => {
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const net = Network.of(ids);
    net.campaign('a');
    const a = net.core('a');
    const b = net.core('b');
    expect(a.log.committed).toBe(1);
    // a appends x at 2 (term 1); only b gets it, and b's write of it is slow.
    for (const other of ['c', 'd', 'e']) net.cut('a', other);
    net.holdPersist('b');
    a.propose([{ kind: 'command', data: 'x' }], net.now);
    net.deliverAll();
    expect(b.log.term(2)).toBe(1);
    // c wins term 2 with d and e (their logs end at 1, as c's does) and sends its no-op for index 2.
    net.cut('a', 'b');
    net.campaign('c');
    expect(net.core('c').role).toBe('leader');
    net.deliverAll();
    // b took c's entry in memory (truncating x), while x's write is still in flight.
    expect(b.log.term(2)).toBe(net.core('c').term);
    net.releasePersist('b');
    // x's write completing must not count c's entry as written: it is written too before b acks it.
    expect(net.durableOf('b').entries.map((e) => e.term)).toEqual([1, net.core('c').term]);
    expect(net.core('c').progressOf('b')!.match).toBe(2);
  });
});

describe('configuration change rules (thesis 4.1) and learners', () => {
  it('a change that adds or removes two servers at once is refused (CONFIG_TOO_LARGE)', () => {
    const net = Network.of(IDS);
    net.campaign('a');
    const a = net.core('a');
    const outcome = a.propose(
      [{ kind: 'config', data: { voters: [...IDS, 'd', 'e'], learners: [] } }],
      net.now,
    );
    expect(outcome).toMatchObject({ ok: false, code: 'CONFIG_TOO_LARGE' });
    const swap = a.propose([{ kind: 'config', data: { voters: ['a', 'b', 'd'], learners: [] } }], net.now);
    expect(swap).toMatchObject({ ok: false, code: 'CONFIG_TOO_LARGE' });
    expect(a.membership.config.voters).toEqual(IDS);
  });

  it('a configuration every follower would refuse is never appended (INVALID_CONFIG), local or forwarded', () => {
    const net = Network.of(IDS);
    net.campaign('a');
    const a = net.core('a');
    net.deliverAll();
    const last = a.log.lastIndex();
    for (const learner of ['', '  ', 'x'.repeat(300), 'a\nb']) {
      const outcome = a.propose([{ kind: 'config', data: { voters: IDS, learners: [learner] } }], net.now);
      expect(outcome).toMatchObject({ ok: false, code: 'INVALID_CONFIG' });
    }
    // A forwarded one (as a buggy follower might send it, past its own checks) is refused too.
    a.step(
      {
        type: 'propose',
        from: 'b',
        to: 'a',
        term: a.term,
        entries: [{ kind: 'config', data: { voters: IDS, learners: [' d'] }, client: 'b~1', seq: 1 }],
      },
      net.now,
    );
    const rd = a.ready();
    const refusals = [...rd.earlyMessages, ...rd.messages].filter((m) => m.type === 'proposeRefused');
    expect(refusals).toMatchObject([{ to: 'b', code: 'INVALID_CONFIG', seqs: [1] }]);
    expect(a.log.lastIndex()).toBe(last);
    expect(a.membership.config).toMatchObject({ voters: IDS, learners: [] });
  });

  it('learners never count towards the commit quorum', () => {
    const all = [...IDS, 'd', 'e'];
    const net = new Network(all.map((id) => makeCore(id, IDS, { learners: ['d', 'e'] })));
    net.campaign('a');
    const a = net.core('a');
    expect(a.role).toBe('leader');
    const committed = a.log.committed;
    // a reaches only the two learners: a majority of all five nodes, but not of the three voters.
    net.cut('a', 'b');
    net.cut('a', 'c');
    a.propose([{ kind: 'command', data: 'x' }], net.now);
    net.deliverAll();
    expect(net.core('d').log.lastIndex()).toBe(a.log.lastIndex());
    expect(net.core('e').log.lastIndex()).toBe(a.log.lastIndex());
    expect(a.log.committed).toBe(committed);
  });
});
