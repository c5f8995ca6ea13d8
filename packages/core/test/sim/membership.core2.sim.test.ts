import { describe, expect, it } from 'vitest';
import { ProposalRefusedError } from '../../src/errors.js';
import type { ClusterConfig, Message } from '../../src/protocol/types.js';
import type { RaftTuning } from '../../src/runtime/options.js';
import { Simulation } from '../../src/testing/index.js';
import { flushMicrotasks, replayFor, runChecking, seedOr, track } from './scenario-helpers.js';

// Membership changes through the log (thesis 4.1-4.2): join, leave, events, the members getter,
// memberTimeout, and the single-server change bug of the thesis errata (raft-dev, 2015).
// SEED=s replays one seed: SEED={seed} pnpm vitest run packages/core/test/sim/membership.core2.sim.test.ts
const replay = replayFor('membership.core2.sim.test.ts');

async function commitMany(sim: Simulation, id: string, n: number): Promise<string[]> {
  const commands = Array.from({ length: n }, () => sim.propose(id, { timeoutMs: 5_000 }).command);
  await sim.runUntil(() => commands.every((c) => sim.acknowledged.has(c)), 5_000, `committing ${n} commands`);
  return commands;
}

async function cluster(
  seed: number,
  ids: string[],
  tuning: Partial<RaftTuning> = {},
): Promise<{ sim: Simulation; leader: string }> {
  const sim = new Simulation({ seed, nodes: ids, replay, tuning });
  await sim.start();
  const leader = await sim.waitForLeader();
  await commitMany(sim, leader, 3);
  await sim.runUntil(
    () => ids.every((id) => sim.status(id).leader === leader),
    1_000,
    'followers know the leader',
  );
  return { sim, leader };
}

const sorted = (xs: readonly string[]) => [...xs].sort();

/** The index of the latest configuration entry in a node's log that satisfies `match`, or 0. */
function configEntryIndex(sim: Simulation, id: string, match: (c: ClusterConfig) => boolean): number {
  const entries = sim.raft(id).raftNode.protocol.log.entries;
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i]!;
    if (e.kind === 'config' && match(e.data as ClusterConfig)) return e.index;
  }
  return 0;
}

function expectRefused(outcome: ReturnType<typeof track>, code: string): void {
  expect(outcome.state()).toBe('rejected');
  expect(outcome.error()).toBeInstanceOf(ProposalRefusedError);
  expect((outcome.error() as ProposalRefusedError).code).toBe(code);
}

describe('join and leave', () => {
  it('join resolves once the change is committed (and applied on the caller); the learner is then promoted', async () => {
    const seed = seedOr(6001);
    const ids = ['a', 'b', 'c'];
    const { sim, leader } = await cluster(seed, ids);
    const caller = ids.find((id) => id !== leader)!;
    sim.addNode('d');
    await sim.startNode('d', []);
    expect(sim.raft('d').members).toEqual({ voters: [], learners: [] });
    const joined = track(sim.raft(caller).join('d'));
    let seenResolved = false;
    await runChecking(sim, 2_000, () => {
      if (joined.state() === 'pending' || seenResolved) return;
      seenResolved = true;
      // At the moment it resolves: the learner entry (the first one naming d; the promotion may
      // follow at once) is committed on the leader and applied here.
      const index =
        sim
          .raft(leader)
          .raftNode.protocol.log.entries.find(
            (e) => e.kind === 'config' && (e.data as ClusterConfig).learners.includes('d'),
          )?.index ?? 0;
      if (index === 0) sim.fail('join resolved without a configuration entry for d');
      if (sim.status(leader).commitIndex < index) sim.fail('join resolved before its entry committed');
      if (sim.raft(caller).raftNode.appliedIndex < index)
        sim.fail('join resolved before the caller applied it');
    });
    expect(joined.state()).toBe('fulfilled');
    await sim.runUntil(() => sim.status('d').config.voters.includes('d'), 3_000, 'promotion');
    for (const id of [...ids, 'd']) {
      await sim.runUntil(() => sim.raft(id).members.voters.includes('d'), 2_000, `${id} seeing d as a voter`);
      expect(sorted(sim.raft(id).members.voters)).toEqual(['a', 'b', 'c', 'd']);
      expect(sim.raft(id).members.learners).toEqual([]);
    }
    await sim.converge();
    sim.checkFinal();
    await sim.stop();
  });

  it('join of an existing member resolves at once and leave of a non-member is refused at once (NOT_MEMBER): no log entry', async () => {
    const seed = seedOr(6002);
    const ids = ['a', 'b', 'c'];
    const { sim, leader } = await cluster(seed, ids, { promoteLearners: false });
    const follower = ids.find((id) => id !== leader)!;
    // d becomes a learner and stays one (promotion is off).
    sim.addNode('d');
    await sim.startNode('d', []);
    const joined = track(sim.raft(leader).join('d'));
    await sim.runUntil(() => joined.state() !== 'pending', 2_000, 'join');
    expect(joined.state()).toBe('fulfilled');
    await sim.runFor(100);
    const last = sim.status(leader).lastIndex;
    const t0 = sim.clock.now();
    const noops = [
      track(sim.raft(leader).join(follower)),
      track(sim.raft(follower).join(leader)),
      track(sim.raft(follower).join('d')),
    ];
    const refused = [track(sim.raft(leader).leave('zz')), track(sim.raft(follower).leave('zz'))];
    await flushMicrotasks(10);
    for (const n of noops) expect(n.state()).toBe('fulfilled');
    for (const r of refused) {
      expect(r.state()).toBe('rejected');
      expect(r.error()).toMatchObject({ name: 'ProposalRefusedError', code: 'NOT_MEMBER' });
    }
    expect(sim.clock.now()).toBe(t0);
    await sim.runFor(200);
    expect(sim.status(leader).lastIndex).toBe(last);
    expect(sorted(sim.status(leader).config.voters)).toEqual(ids);
    expect(sim.status(leader).config.learners).toEqual(['d']);
    await sim.stop();
  });

  it('the members getter shows voters and learners on every node', async () => {
    const seed = seedOr(6003);
    const ids = ['a', 'b', 'c'];
    const { sim, leader } = await cluster(seed, ids, { promoteLearners: false });
    for (const id of ids)
      expect({ ...sim.raft(id).members, voters: sorted(sim.raft(id).members.voters) }).toEqual({
        voters: ids,
        learners: [],
      });
    sim.addNode('d');
    await sim.startNode('d', []);
    const joined = track(sim.raft(leader).join('d'));
    await sim.runUntil(() => joined.state() !== 'pending', 2_000, 'join');
    for (const id of [...ids, 'd']) {
      await sim.runUntil(
        () => sim.raft(id).members.learners.includes('d'),
        2_000,
        `${id} seeing the learner`,
      );
      const m = sim.raft(id).members;
      expect({ voters: sorted(m.voters), learners: m.learners }).toEqual({ voters: ids, learners: ['d'] });
    }
    // A learner does not vote, so it never campaigns even when the leader is gone.
    sim.crash(leader);
    await sim.runFor(1_000);
    expect(sim.status('d').role).toBe('follower');
    expect(sim.status('d').term).toBe(sim.status(ids.find((id) => id !== leader)!).term);
    await sim.stop();
  });

  it('leave of the leader itself: it steps down once the change commits and the rest elect a leader', async () => {
    const seed = seedOr(6004);
    const ids = ['a', 'b', 'c'];
    const { sim, leader } = await cluster(seed, ids);
    const rest = ids.filter((id) => id !== leader);
    const term = sim.status(leader).term;
    const left = track(sim.raft(leader).leave(leader));
    let removalIndex = 0;
    await runChecking(sim, 3_000, () => {
      removalIndex ||= configEntryIndex(sim, leader, (c) => !c.voters.includes(leader));
      // It leads until the removal commits, never after.
      if (
        sim.status(leader).role === 'leader' &&
        removalIndex > 0 &&
        sim.status(leader).commitIndex >= removalIndex
      )
        sim.fail('the removed leader still leads after its removal committed');
    });
    expect(left.state()).toBe('fulfilled');
    expect(removalIndex).toBeGreaterThan(0);
    expect(sim.status(leader).role).toBe('follower');
    const next = rest.find((id) => sim.status(id).role === 'leader');
    expect(next).toBeDefined();
    expect(sim.status(next!).term).toBeGreaterThan(term);
    expect(sorted(sim.status(next!).config.voters)).toEqual(rest);
    // The old leader never leads again and does not disrupt.
    const term2 = sim.status(next!).term;
    await runChecking(sim, 2_000, () => {
      if (sim.status(leader).role === 'leader') sim.fail('the removed node leads');
      if (sim.status(next!).term !== term2 || sim.status(next!).role !== 'leader')
        sim.fail('the new leader was disrupted');
    });
    await commitMany(sim, next!, 2);
    await sim.stop();
  });

  it('join and leave events fire on every member, once each', async () => {
    const seed = seedOr(6005);
    const ids = ['a', 'b', 'c'];
    const { sim, leader } = await cluster(seed, ids);
    const events = new Map<string, string[]>();
    const listen = (id: string) => {
      events.set(id, []);
      sim.raft(id).listen('join', (who) => events.get(id)!.push(`join ${who}`));
      sim.raft(id).listen('leave', (who) => events.get(id)!.push(`leave ${who}`));
    };
    for (const id of ids) listen(id);
    sim.addNode('d');
    await sim.startNode('d', []);
    listen('d');
    const joined = track(sim.raft(leader).join('d'));
    await sim.runUntil(() => joined.state() !== 'pending', 2_000, 'join');
    await sim.runUntil(() => sim.status(leader).config.voters.includes('d'), 3_000, 'promotion');
    await sim.converge();
    for (const id of [...ids, 'd'])
      expect(
        events.get(id)!.filter((e) => e === 'join d'),
        id,
      ).toEqual(['join d']);
    // The promotion (learner to voter) is neither a join nor a leave.
    for (const id of ids) expect(events.get(id), id).toEqual(['join d']);

    const removed = ids.find((id) => id !== leader)!;
    const remaining = [...ids, 'd'].filter((id) => id !== removed);
    const left = track(sim.raft(leader).leave(removed));
    await sim.runUntil(() => left.state() !== 'pending', 2_000, 'leave');
    await sim.converge();
    for (const id of remaining)
      expect(
        events.get(id)!.filter((e) => e.startsWith('leave')),
        id,
      ).toEqual([`leave ${removed}`]);
    await sim.stop();
  });
});

describe('memberTimeout', () => {
  it('is off by default: an unreachable voter stays a member', async () => {
    const seed = seedOr(6101);
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const { sim, leader } = await cluster(seed, ids);
    const cut = ids.find((id) => id !== leader)!;
    sim.network.isolate(cut, ids);
    await sim.runFor(5_000);
    expect(sim.status(leader).role).toBe('leader');
    expect(sorted(sim.status(leader).config.voters)).toEqual(ids);
    await sim.stop();
  });

  it('removes a voter unreachable for longer than the timeout, and not while the reachable voters lack a quorum', async () => {
    const seed = seedOr(6102);
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const memberTimeout = 300;
    const { sim, leader } = await cluster(seed, ids, { memberTimeout });
    const followers = ids.filter((id) => id !== leader);
    const [first, second, third] = followers as [string, string, string, string];
    const errors: string[] = [];
    sim.raft(leader).listen('error', (e) => errors.push(`${e.code}: ${e.message}`));

    // 5 voters, 1 cut: the other 4 are a majority of the remaining 4, so it is removed, after the timeout.
    sim.network.isolate(first, ids);
    const cutAt = sim.clock.now();
    let removedAt = 0;
    await runChecking(sim, 1_000, () => {
      if (!removedAt && !sim.status(leader).config.voters.includes(first)) removedAt = sim.clock.now();
    });
    expect(removedAt).toBeGreaterThan(cutAt + memberTimeout);
    expect(removedAt).toBeLessThan(cutAt + memberTimeout + 50);
    const four = ids.filter((id) => id !== first);
    await sim.runUntil(
      () => four.every((id) => sorted(sim.status(id).config.voters).join() === sorted(four).join()),
      1_000,
      'every voter seeing the removal',
    );
    const removal = configEntryIndex(sim, leader, (c) => !c.voters.includes(first));
    await sim.runUntil(
      () => four.every((id) => sim.status(id).commitIndex >= removal),
      1_000,
      'removal committed',
    );

    // 4 voters, 2 more cut: only 2 of 4 are reachable. Nothing may be removed.
    sim.network.isolate(second, ids);
    sim.network.isolate(third, ids);
    await runChecking(sim, 3 * memberTimeout + 1_000, () => {
      for (const id of four) {
        const voters = sorted(sim.status(id).config.voters);
        if (voters.join() !== sorted(four).join())
          sim.fail(`${id} changed its voters to ${voters.join(',')}`);
      }
    });
    // With check-quorum the leader stepped down (2 of 4 is no quorum); nobody can lead.
    expect(sim.leaders()).toEqual([]);
    expect(errors).toEqual([]);
    await sim.stop();
  });

  // The rule on its own: without check-quorum (which otherwise deposes the leader first), and with
  // check-quorum on but a memberTimeout shorter than its window.
  const variants: { name: string; seed: number; tuning: Partial<RaftTuning> }[] = [
    {
      name: 'checkQuorum off, memberTimeout 300',
      seed: 6103,
      tuning: { memberTimeout: 300, checkQuorum: false },
    },
    { name: 'checkQuorum on, memberTimeout 60', seed: 6104, tuning: { memberTimeout: 60 } },
  ];
  for (const v of variants) {
    it(`does not shrink the cluster while only 2 of 4 voters are reachable (${v.name})`, async () => {
      const ids = ['a', 'b', 'c', 'd'];
      const { sim, leader } = await cluster(seedOr(v.seed), ids, v.tuning);
      const [reachable, cut1, cut2] = ids.filter((id) => id !== leader) as [string, string, string];
      sim.network.isolate(cut1, ids);
      sim.network.isolate(cut2, ids);
      // Only the leader and `reachable` can talk: the current configuration has no reachable quorum.
      await runChecking(sim, 3 * v.tuning.memberTimeout! + 300, () => {
        for (const id of [leader, reachable]) {
          const voters = sorted(sim.status(id).config.voters);
          if (voters.join() !== sorted(ids).join())
            sim.fail(`${id} changed its voters to ${voters.join(',')} with only 2 of 4 voters reachable`);
        }
      });
      if (v.tuning.checkQuorum === false) expect(sim.status(leader).role).toBe('leader');
      else expect(sim.leaders()).toEqual([]);
      await sim.stop();
    });
  }
});

describe('thesis errata (raft-dev, 2015): single-server changes across a leader change', () => {
  it('a new leader refuses a configuration change (CONFIG_PENDING) until its no-op commits', async () => {
    const seed = seedOr(6201);
    const ids = ['a', 'b', 'c', 'd'];
    const { sim, leader: l1 } = await cluster(seed, ids);
    const followers = ids.filter((id) => id !== l1);
    const term1 = sim.status(l1).term;
    sim.addNode('e');
    await sim.startNode('e', []);

    // Step 1: l1 adds e as a voter (D = {a,b,c,d,e}); the entry reaches e only.
    let hold = false;
    let heldResponses = 0;
    sim.network.filter = (from, to, payload) => {
      const m = payload as Message;
      if (
        from === l1 &&
        followers.includes(to) &&
        m.type === 'append' &&
        m.entries.some((e) => e.kind === 'config')
      )
        return false;
      if (hold && m.type === 'appendResponse' && followers.includes(to) && m.term > term1) {
        heldResponses++;
        return false;
      }
      return true;
    };
    const addE = track(
      sim
        .raft(l1)
        .raftNode.changeMembership((c) => ({ voters: [...c.voters, 'e'], learners: c.learners }), 5_000),
    );
    await sim.runUntil(() => sim.status('e').config.voters.includes('e'), 2_000, 'e receiving D');
    const dIndex = configEntryIndex(sim, l1, (c) => c.voters.includes('e'));
    expect(dIndex).toBeGreaterThan(0);
    expect(configEntryIndex(sim, 'e', (c) => c.voters.includes('e'))).toBe(dIndex);
    for (const f of followers) expect(sim.status(f).lastIndex).toBeLessThan(dIndex);
    expect(sim.status(l1).commitIndex).toBeLessThan(dIndex);

    // Step 2: l1 and e are cut off; the old configuration's majority (3 of 4) elects a new leader
    // without D. Its no-op cannot commit yet (its append answers are held).
    hold = true;
    sim.network.partition([[l1, 'e'], followers]);
    await sim.runUntil(() => followers.some((id) => sim.status(id).role === 'leader'), 3_000, 'a new leader');
    const l2 = followers.find((id) => sim.status(id).role === 'leader')!;
    const term2 = sim.status(l2).term;
    expect(term2).toBeGreaterThan(term1);
    const noopIndex = sim.status(l2).lastIndex;
    expect(sim.raft(l2).raftNode.protocol.log.entry(noopIndex)).toMatchObject({ kind: 'noop', term: term2 });
    expect(noopIndex).toBe(dIndex);
    expect(sorted(sim.status(l2).config.voters)).toEqual(ids);

    // Step 3: the new leader proposes a different change (remove l1). Refused while its no-op is
    // uncommitted: otherwise E = {b,c,d} could commit with 2 of 3 while l1 could still be elected
    // under D by l1, e and one stale voter: two disjoint majorities.
    const quick = track(sim.raft(l2).leave(l1, { timeoutMs: 30 }));
    await sim.runUntil(() => quick.state() !== 'pending', 500, 'the quick leave');
    expectRefused(quick, 'CONFIG_PENDING');
    const viaCore = sim
      .raft(l2)
      .raftNode.protocol.propose([{ kind: 'config', data: { voters: followers, learners: [] } }]);
    expect(viaCore).toMatchObject({ ok: false, code: 'CONFIG_PENDING' });
    const leave = track(sim.raft(l2).leave(l1, { timeoutMs: 5_000 }));
    const noNewConfig = () => configEntryIndex(sim, l2, () => true) < noopIndex;
    await runChecking(sim, 300, () => {
      if (!noNewConfig())
        sim.fail('the new leader appended a configuration change before its no-op committed');
      if (leave.state() !== 'pending') sim.fail('the leave settled while the no-op was uncommitted');
    });
    expect(heldResponses).toBeGreaterThan(0);
    expect(sim.status(l2)).toMatchObject({ role: 'leader', term: term2 });
    expect(sim.status(l2).commitIndex).toBeLessThan(noopIndex);

    // Step 4: the no-op commits; only then is the change appended, and it commits.
    hold = false;
    let eIndex = 0;
    await runChecking(sim, 2_000, () => {
      const idx = configEntryIndex(sim, l2, (c) => !c.voters.includes(l1));
      if (idx > 0 && eIndex === 0) {
        eIndex = idx;
        if (sim.status(l2).commitIndex < noopIndex)
          sim.fail('the change was appended before the no-op committed');
      }
    });
    expect(leave.state()).toBe('fulfilled');
    expect(eIndex).toBeGreaterThan(noopIndex);
    expect(sim.raft(l2).raftNode.protocol.log.term(eIndex)).toBe(term2);

    // Step 5: heal. l1 (with D) can never be elected again: its log is behind every member's.
    sim.network.heal();
    sim.network.filter = null;
    await runChecking(sim, 3_000, () => {
      for (const id of [l1, 'e']) {
        const s = sim.status(id);
        if (s.role === 'leader') sim.fail(`${id} leads term ${s.term} after the changes`);
      }
      if (sim.status(l2).role !== 'leader' || sim.status(l2).term !== term2) sim.fail(`${l2} was disrupted`);
    });
    // l1's own change to D never committed: its proposer got an error, not success.
    expect(addE.state()).toBe('rejected');
    await sim.converge();
    sim.checkFinal();
    const members = followers;
    for (const id of members) {
      expect(sorted(sim.status(id).config.voters)).toEqual(sorted(members));
      expect(sim.status(id).commitIndex).toBeGreaterThanOrEqual(eIndex);
    }
    await sim.stop();
  });
});
