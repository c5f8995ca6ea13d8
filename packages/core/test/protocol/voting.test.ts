/**
 * The voter's side of an election (paper 5.2, 5.4.1; thesis 9.6 for pre-vote): docs/scenarios.md row 12.
 */
import { describe, expect, it } from 'vitest';
import { logOf, makeCore, Network, ofType, voteMsg } from './harness.js';

const IDS = ['a', 'b', 'c'];

/** A voter `b` at term 5 that has not voted, with a log whose terms are `terms`. */
function voter(terms: number[], options: { preVote?: boolean } = {}) {
  return makeCore('b', IDS, {
    hardState: { term: 5, vote: null, commit: 0 },
    log: logOf(...terms),
    preVote: options.preVote ?? false,
  });
}

// Voter log (as terms by index) vs the candidate's last (index, term): grant iff the candidate's log
// is at least as up to date: a higher last term, or the same last term and at least as long.
const TABLE: { voter: number[]; lastIndex: number; lastTerm: number; grant: boolean; why: string }[] = [
  // Same last term: length decides.
  { voter: [1, 2, 2], lastIndex: 3, lastTerm: 2, grant: true, why: 'same last term, same length' },
  { voter: [1, 2, 2], lastIndex: 4, lastTerm: 2, grant: true, why: 'same last term, longer' },
  { voter: [1, 2, 2], lastIndex: 2, lastTerm: 2, grant: false, why: 'same last term, shorter' },
  { voter: [1], lastIndex: 1, lastTerm: 1, grant: true, why: 'same single entry' },
  { voter: [1, 1], lastIndex: 1, lastTerm: 1, grant: false, why: 'same last term, one shorter' },
  // The candidate's last term is higher: it wins whatever the lengths.
  { voter: [1, 2, 2], lastIndex: 1, lastTerm: 3, grant: true, why: 'higher last term, much shorter' },
  { voter: [1, 2, 2], lastIndex: 3, lastTerm: 3, grant: true, why: 'higher last term, same length' },
  { voter: [1, 2, 2], lastIndex: 9, lastTerm: 4, grant: true, why: 'higher last term, longer' },
  { voter: [], lastIndex: 1, lastTerm: 1, grant: true, why: 'voter has an empty log' },
  { voter: [], lastIndex: 0, lastTerm: 0, grant: true, why: 'both logs empty' },
  // The voter's last term is higher: the candidate loses whatever the lengths.
  { voter: [1, 2, 2], lastIndex: 5, lastTerm: 1, grant: false, why: 'lower last term, longer' },
  { voter: [1, 2, 2], lastIndex: 3, lastTerm: 1, grant: false, why: 'lower last term, same length' },
  { voter: [2], lastIndex: 2, lastTerm: 1, grant: false, why: 'lower last term, one longer' },
  { voter: [1, 2, 2], lastIndex: 0, lastTerm: 0, grant: false, why: 'candidate has an empty log' },
  // Figure 7 flavour: the log with the later last term wins even when much shorter.
  {
    voter: [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3],
    lastIndex: 4,
    lastTerm: 4,
    grant: true,
    why: 'figure 7 (f) vs (b)',
  },
  { voter: [1, 1, 1, 4], lastIndex: 11, lastTerm: 3, grant: false, why: 'figure 7 (b) vs (f)' },
];

describe('voter rule (5.4.1): a vote is refused iff the voter log is more up to date', () => {
  for (const row of TABLE) {
    it(`vote: ${row.why} -> ${row.grant ? 'grant' : 'reject'}`, () => {
      const b = voter(row.voter);
      b.step(voteMsg('a', 'b', 6, row.lastIndex, row.lastTerm), 0);
      const rd = b.ready();
      const replies = ofType(rd.messages, 'voteResponse');
      expect(replies).toEqual([
        { type: 'voteResponse', from: 'b', to: 'a', term: 6, preVote: false, reject: !row.grant },
      ]);
      // A real vote request from a higher term moves the voter to that term either way.
      expect(b.term).toBe(6);
      expect(b.vote).toBe(row.grant ? 'a' : null);
      expect(rd.hardState).toEqual({ term: 6, vote: row.grant ? 'a' : null, commit: 0 });
    });

    it(`pre-vote: ${row.why} -> ${row.grant ? 'grant' : 'reject'}`, () => {
      const b = voter(row.voter, { preVote: true });
      b.step(voteMsg('a', 'b', 6, row.lastIndex, row.lastTerm, { preVote: true }), 0);
      const rd = b.ready();
      // A granted pre-vote answers in the candidate's future term; a rejection in the voter's.
      expect(ofType(rd.messages, 'voteResponse')).toEqual([
        {
          type: 'voteResponse',
          from: 'b',
          to: 'a',
          term: row.grant ? 6 : 5,
          preVote: true,
          reject: !row.grant,
        },
      ]);
      // A pre-vote changes nothing durable: no term change, no vote.
      expect([b.term, b.vote]).toEqual([5, null]);
      expect(rd.hardState).toBeUndefined();
    });

    it(`same-term vote: ${row.why} -> ${row.grant ? 'grant' : 'reject'}`, () => {
      // The voter already moved to the candidate's term (say, through another candidate's pre-vote
      // reply) without voting or knowing a leader: the log comparison alone decides.
      const b = makeCore('b', IDS, {
        hardState: { term: 6, vote: null, commit: 0 },
        log: logOf(...row.voter),
      });
      b.step(voteMsg('a', 'b', 6, row.lastIndex, row.lastTerm), 0);
      const rd = b.ready();
      expect(ofType(rd.messages, 'voteResponse').map((m) => [m.term, m.reject])).toEqual([[6, !row.grant]]);
      expect(b.vote).toBe(row.grant ? 'a' : null);
      // A grant changes the vote without changing the term: it must still be persisted before the
      // answer goes out (it is in `messages`, sent after the write).
      expect(rd.hardState).toEqual(row.grant ? { term: 6, vote: 'a', commit: 0 } : undefined);
    });
  }
});

describe('one vote per term', () => {
  it('grants a single candidate per term, repeats the grant to it, and votes again in a new term', () => {
    const b = makeCore('b', ['a', 'b', 'c', 'd', 'e'], {
      hardState: { term: 1, vote: null, commit: 0 },
      log: logOf(1),
    });
    const answer = () =>
      ofType(b.ready().messages, 'voteResponse').map((m) => `${m.to}:${m.term}:${m.reject ? 'no' : 'yes'}`);

    b.step(voteMsg('a', 'b', 2, 1, 1), 0);
    expect(answer()).toEqual(['a:2:yes']);
    // A second candidate in the same term, even with a longer log, is refused.
    b.step(voteMsg('c', 'b', 2, 5, 1), 0);
    expect(answer()).toEqual(['c:2:no']);
    // So is one with a higher last term: the vote is spent.
    b.step(voteMsg('d', 'b', 2, 1, 2), 0);
    expect(answer()).toEqual(['d:2:no']);
    // The same candidate retrying (a lost reply) gets the same answer.
    b.step(voteMsg('a', 'b', 2, 1, 1), 0);
    expect(answer()).toEqual(['a:2:yes']);
    expect([b.term, b.vote]).toEqual([2, 'a']);
    // A request from an older term is dropped without an answer.
    b.step(voteMsg('e', 'b', 1, 9, 1), 0);
    expect(answer()).toEqual([]);
    // A new term frees the vote.
    b.step(voteMsg('c', 'b', 3, 1, 1), 0);
    expect(answer()).toEqual(['c:3:yes']);
    expect([b.term, b.vote]).toEqual([3, 'c']);
  });

  it('the vote survives a restart: a recovered voter refuses a second candidate of that term', () => {
    const net = Network.of(['a', 'b', 'c'], { hardState: { term: 1, vote: null, commit: 0 } });
    net.cut('a', 'c');
    net.campaign('a');
    expect(net.core('a').role).toBe('leader');
    // The cluster started at term 1: the campaign was for term 2.
    expect(net.core('a').term).toBe(2);
    expect(net.durableOf('b').hardState).toMatchObject({ term: 2, vote: 'a' });

    const b = net.restart('b');
    expect([b.term, b.vote]).toEqual([2, 'a']);
    b.step(voteMsg('c', 'b', 2, 9, 2), 0);
    expect(ofType(b.ready().messages, 'voteResponse')).toEqual([
      { type: 'voteResponse', from: 'b', to: 'c', term: 2, preVote: false, reject: true },
    ]);
  });

  it('a follower that knows the leader of the term does not vote in it, even without having voted', () => {
    const b = makeCore('b', IDS, { hardState: { term: 2, vote: null, commit: 0 } });
    b.step({ type: 'heartbeat', from: 'a', to: 'b', term: 2, commit: 0 }, 0);
    b.ready();
    expect(b.leader).toBe('a');
    b.step(voteMsg('c', 'b', 2, 0, 0), 0);
    expect(ofType(b.ready().messages, 'voteResponse').map((m) => m.reject)).toEqual([true]);
    expect(b.vote).toBeNull();
  });

  it('a pre-vote is granted for a later term even after voting in this one, and records nothing', () => {
    const b = makeCore('b', IDS, {
      preVote: true,
      hardState: { term: 2, vote: 'a', commit: 0 },
      log: logOf(1),
    });
    b.step(voteMsg('c', 'b', 3, 1, 1, { preVote: true }), 0);
    const rd = b.ready();
    expect(ofType(rd.messages, 'voteResponse')).toEqual([
      { type: 'voteResponse', from: 'b', to: 'c', term: 3, preVote: true, reject: false },
    ]);
    expect([b.term, b.vote]).toEqual([2, 'a']);
    expect(rd.hardState).toBeUndefined();
    // But a pre-vote for the current term is a vote request in disguise: the vote is spent.
    b.step(voteMsg('c', 'b', 2, 1, 1, { preVote: true }), 0);
    expect(ofType(b.ready().messages, 'voteResponse').map((m) => [m.term, m.reject])).toEqual([[2, true]]);
  });
});

describe('a vote is durable before it is announced', () => {
  it('a granted vote comes out with its hard state, in `messages`, never in `earlyMessages`', () => {
    const b = makeCore('b', IDS, { hardState: { term: 1, vote: null, commit: 0 }, log: logOf(1) });
    b.step(voteMsg('c', 'b', 2, 1, 1), 0);
    expect(b.hasReady()).toBe(true);
    const rd = b.ready();
    expect(rd.hardState).toEqual({ term: 2, vote: 'c', commit: 0 });
    expect(rd.earlyMessages).toEqual([]);
    expect(rd.messages).toEqual([
      { type: 'voteResponse', from: 'b', to: 'c', term: 2, preVote: false, reject: false },
    ]);
  });

  it('a leader that steps down to grant a vote also waits for the write', () => {
    // A leader's messages normally go out early (its term is durable); a grant must not.
    const net = Network.of(IDS, { hardState: { term: 1, vote: null, commit: 0 } });
    net.campaign('a');
    const a = net.core('a');
    expect([a.role, a.term]).toEqual(['leader', 2]);
    const last = a.log.lastIndex();
    a.step(voteMsg('c', 'a', 3, last, a.log.lastTerm()), net.now);
    const rd = a.ready();
    expect(a.role).toBe('follower');
    expect(rd.hardState).toEqual({ term: 3, vote: 'c', commit: a.log.committed });
    expect(ofType(rd.earlyMessages, 'voteResponse')).toEqual([]);
    expect(ofType(rd.messages, 'voteResponse')).toEqual([
      { type: 'voteResponse', from: 'a', to: 'c', term: 3, preVote: false, reject: false },
    ]);
  });

  it('a candidate asks for votes while it writes its term, and counts its own vote only once that is durable', () => {
    const a = makeCore('a', IDS, { hardState: { term: 4, vote: null, commit: 0 }, log: logOf(1, 4) });
    a.campaignNow();
    const rd = a.ready();
    expect(rd.hardState).toEqual({ term: 5, vote: 'a', commit: 0 });
    // The requests go out before the write (early messages), so the write and the voters' overlap.
    expect(ofType(rd.earlyMessages, 'vote')).toEqual([
      { type: 'vote', from: 'a', to: 'b', term: 5, preVote: false, index: 2, logTerm: 4 },
      { type: 'vote', from: 'a', to: 'c', term: 5, preVote: false, index: 2, logTerm: 4 },
    ]);
    // One grant and an own vote not yet durable: no majority of three yet.
    a.step({ type: 'voteResponse', from: 'b', to: 'a', term: 5, preVote: false, reject: false }, 0);
    expect(a.role).toBe('candidate');
    a.advance(rd);
    expect(a.role).toBe('leader');
  });

  it('a candidate granted by a majority of the others leads before its own write is durable; its appends wait for it', () => {
    const a = makeCore('a', IDS, { hardState: { term: 4, vote: null, commit: 0 }, log: logOf(1, 4) });
    a.campaignNow();
    const rd = a.ready();
    for (const from of ['b', 'c'])
      a.step({ type: 'voteResponse', from, to: 'a', term: 5, preVote: false, reject: false }, 0);
    expect(a.role).toBe('leader');
    // Its term is not durable: what it sends as leader goes out only after the next write.
    const next = a.ready();
    expect(ofType(next.earlyMessages, 'append')).toEqual([]);
    expect(ofType(next.messages, 'append').length).toBe(2);
    a.advance(rd);
    a.advance(next);
  });

  it('the harness delivers a grant only after persisting it', () => {
    const net = Network.of(IDS, { hardState: { term: 1, vote: null, commit: 0 } });
    let durableWhenSent: unknown;
    net.filter = (m) => {
      if (m.type === 'voteResponse' && m.from === 'b') durableWhenSent = { ...net.durableOf('b').hardState };
      return true;
    };
    net.campaign('a');
    expect(durableWhenSent).toEqual({ term: 2, vote: 'a', commit: 0 });
  });
});
