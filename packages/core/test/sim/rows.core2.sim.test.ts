import { describe, expect, it } from 'vitest';
import { OutcomeUnknownError, ProposalRefusedError } from '../../src/errors.js';
import type { Message } from '../../src/protocol/types.js';
import { Simulation } from '../../src/testing/index.js';
import {
  commandAt,
  flushMicrotasks,
  replayFor,
  runChecking,
  seedOr,
  seedsOr,
  track,
} from './scenario-helpers.js';

// docs/scenarios.md rows 20, 21, 28, 30 (leadership transfer variant) and 31 on the simulator.
// SEED=s replays one seed: SEED={seed} pnpm vitest run packages/core/test/sim/rows.core2.sim.test.ts
const replay = replayFor('rows.core2.sim.test.ts');

/** Proposes `n` commands on `id` and runs until all of them are acknowledged. */
async function commitMany(sim: Simulation, id: string, n: number): Promise<string[]> {
  const commands = Array.from({ length: n }, () => sim.propose(id, { timeoutMs: 5_000 }).command);
  await sim.runUntil(() => commands.every((c) => sim.acknowledged.has(c)), 5_000, `committing ${n} commands`);
  return commands;
}

/** How many times each command appears in a node's applied sequence. */
function timesApplied(sim: Simulation, id: string, command: string): number {
  return sim.stateMachine(id).applied.filter((c) => c === command).length;
}

describe('row 20: read index on a new leader', () => {
  it('holds a read on a new leader until it commits its no-op, so it never misses an acknowledged write', async () => {
    const seed = seedOr(2001);
    const ids = ['a', 'b', 'c'];
    const sim = new Simulation({ seed, nodes: ids, replay });
    await sim.start();
    const l1 = await sim.waitForLeader();
    await commitMany(sim, l1, 3);
    const term1 = sim.status(l1).term;

    // A write only the old leader learns is committed: every append or heartbeat that would tell
    // the followers so is dropped. Then the new leader's append answers are dropped while `hold`.
    const writeIndex = sim.status(l1).lastIndex + 1;
    let hold = true;
    let droppedResponses = 0;
    sim.network.filter = (from, to, payload) => {
      const m = payload as Message;
      if (from === l1 && (m.type === 'append' || m.type === 'heartbeat') && m.commit >= writeIndex)
        return false;
      if (hold && m.type === 'appendResponse' && to !== l1 && m.term > term1) {
        droppedResponses++;
        return false;
      }
      return true;
    };
    const write = sim.propose(l1);
    await sim.runUntil(() => sim.acknowledged.has(write.command), 2_000, 'the write acknowledged');
    expect(sim.acknowledged.get(write.command)).toBe(writeIndex);
    const followers = ids.filter((id) => id !== l1);
    for (const f of followers) {
      expect(commandAt(sim, f, writeIndex)).toBe(write.command);
      expect(sim.status(f).commitIndex).toBeLessThan(writeIndex);
    }

    sim.crash(l1);
    await sim.runUntil(
      () => followers.some((id) => sim.status(id).role === 'leader'),
      3_000,
      'a new leader among the followers',
    );
    const l2 = followers.find((id) => sim.status(id).role === 'leader')!;
    const other = followers.find((id) => id !== l2)!;
    const term2 = sim.status(l2).term;
    expect(term2).toBeGreaterThan(term1);
    const noopIndex = sim.status(l2).lastIndex;
    expect(noopIndex).toBe(writeIndex + 1);
    expect(sim.raft(l2).raftNode.protocol.log.entry(noopIndex)).toMatchObject({ kind: 'noop', term: term2 });
    // The new leader's commit index is stale: a read served at it would miss the acknowledged write.
    expect(sim.status(l2).commitIndex).toBeLessThan(writeIndex);

    const onLeader = track(sim.raft(l2).read());
    await sim.runFor(5);
    const onFollower = track(sim.raft(other).read());
    await runChecking(sim, 600, () => {
      if (onLeader.state() !== 'pending' || onFollower.state() !== 'pending')
        sim.fail('a read resolved before the new leader committed an entry of its term');
      if (sim.status(l2).role !== 'leader' || sim.status(l2).term !== term2)
        sim.fail(`${l2} lost leadership`);
    });
    expect(droppedResponses).toBeGreaterThan(0);
    expect(sim.status(l2).commitIndex).toBeLessThan(writeIndex);

    hold = false;
    await runChecking(sim, 1_000, () => {
      for (const r of [onLeader, onFollower]) {
        if (r.state() === 'fulfilled' && sim.status(l2).commitIndex < noopIndex)
          sim.fail('a read resolved before the no-op committed');
      }
    });
    expect(onLeader.state()).toBe('fulfilled');
    expect(onFollower.state()).toBe('fulfilled');
    expect(onLeader.value()!.index).toBeGreaterThanOrEqual(noopIndex);
    expect(onFollower.value()!.index).toBeGreaterThanOrEqual(noopIndex);
    // Both readers see the acknowledged write.
    for (const id of [l2, other]) expect(sim.stateMachine(id).applied).toContain(write.command);
    await sim.converge();
    sim.checkFinal();
    await sim.stop();
  });
});

describe('row 21: commit after removing a node', () => {
  it('commits entries pending under 4 voters once a dead voter is removed (3 voters, quorum 2)', async () => {
    const seed = seedOr(2101);
    const ids = ['a', 'b', 'c', 'd'];
    const sim = new Simulation({ seed, nodes: ids, replay });
    await sim.start();
    const leader = await sim.waitForLeader();
    await commitMany(sim, leader, 2);
    const [healthy, dead, slow] = ids.filter((id) => id !== leader) as [string, string, string];
    sim.crash(dead);
    // `slow` answers heartbeats (so the leader keeps its quorum) but its append answers are lost.
    let dropSlow = true;
    sim.network.filter = (from, _to, payload) =>
      !(dropSlow && from === slow && (payload as Message).type === 'appendResponse');
    const committedBefore = sim.status(leader).commitIndex;
    const pending = Array.from({ length: 5 }, () => sim.propose(leader, { timeoutMs: 10_000 }));
    await runChecking(sim, 400, () => {
      if (sim.status(leader).commitIndex !== committedBefore) sim.fail('committed with 2 of 4 voters');
    });
    expect(sim.status(leader).role).toBe('leader');
    expect(sim.status(leader).lastIndex).toBe(committedBefore + 5);
    expect(sim.raft(healthy).raftNode.protocol.log.lastIndex()).toBe(committedBefore + 5);
    expect(pending.every((p) => !sim.acknowledged.has(p.command))).toBe(true);

    const left = track(sim.raft(leader).leave(dead));
    await sim.runUntil(
      () => left.state() !== 'pending' && pending.every((p) => sim.acknowledged.has(p.command)),
      3_000,
      'the removal and the pending entries committing',
    );
    expect(left.state()).toBe('fulfilled');
    expect(sim.status(leader).config.voters.slice().sort()).toEqual([leader, healthy, slow].sort());
    // The pending entries kept their places and committed with the leader and `healthy` only.
    for (const [i, p] of pending.entries())
      expect(sim.acknowledged.get(p.command)).toBe(committedBefore + 1 + i);
    const configIndex = committedBefore + 6;
    expect(sim.raft(leader).raftNode.protocol.log.entry(configIndex)?.kind).toBe('config');
    expect(sim.status(leader).commitIndex).toBeGreaterThanOrEqual(configIndex);
    expect(sim.raft(leader).raftNode.protocol.progressOf(slow)!.match).toBeLessThanOrEqual(committedBefore);

    dropSlow = false;
    await sim.converge();
    sim.checkFinal();
    for (const id of [leader, healthy, slow]) {
      for (const p of pending) expect(timesApplied(sim, id, p.command)).toBe(1);
    }
    await sim.stop();
  });
});

describe('row 28: remove a partitioned node', () => {
  for (const preVote of [true, false]) {
    it(`the removed node does not disrupt after healing (preVote ${preVote})`, async () => {
      const seed = seedOr(preVote ? 2801 : 2802);
      const ids = ['a', 'b', 'c'];
      const sim = new Simulation({ seed, nodes: ids, replay, tuning: { preVote } });
      await sim.start();
      const leader = await sim.waitForLeader();
      await commitMany(sim, leader, 2);
      const [stay, removed] = ids.filter((id) => id !== leader) as [string, string];
      sim.network.isolate(removed, ids);
      const left = track(sim.raft(leader).leave(removed));
      await sim.runUntil(() => left.state() !== 'pending', 2_000, 'removing the partitioned node');
      expect(left.state()).toBe('fulfilled');
      expect(sim.status(leader).config.voters.slice().sort()).toEqual([leader, stay].sort());
      const term = sim.status(leader).term;
      const removedTerm = sim.status(removed).term;

      // The removed node times out again and again while cut off.
      await sim.runFor(2_000);
      expect(sim.status(removed).role).not.toBe('leader');
      // It never learned of its removal: it still believes it is a voter.
      expect(sim.status(removed).config.voters).toContain(removed);
      if (preVote) expect(sim.status(removed).term).toBe(removedTerm);
      else expect(sim.status(removed).term).toBeGreaterThan(term);

      sim.network.heal();
      await runChecking(sim, 3_000, () => {
        for (const id of [leader, stay]) {
          const s = sim.status(id);
          if (s.term !== term)
            sim.fail(`${id} moved from term ${term} to ${s.term} after the removed node rejoined`);
        }
        if (sim.status(leader).role !== 'leader') sim.fail(`${leader} lost leadership`);
        if (sim.status(stay).leader !== leader) sim.fail(`${stay} stopped following ${leader}`);
        if (sim.status(removed).role === 'leader') sim.fail('the removed node leads');
      });
      const after = await commitMany(sim, leader, 3);
      const lastIndex = sim.acknowledged.get(after[2]!)!;
      await sim.runUntil(() => sim.raft(stay).raftNode.appliedIndex >= lastIndex, 1_000, `${stay} applying`);
      for (const c of after) expect(sim.stateMachine(stay).applied).toContain(c);
      expect(sim.status(leader)).toMatchObject({ role: 'leader', term });
      expect(sim.status(stay)).toMatchObject({ role: 'follower', term, leader });
      await sim.stop();
    });
  }
});

describe('row 30 (leadership transfer): the leader quits right after appending', () => {
  // committedFirst: 3 nodes, the entries commit before the transfer ends (the proposer learns success).
  // Otherwise 5 nodes whose append answers, but the target's, are lost: the leader hands over and
  // stops before it can know the outcome, so the proposer must hear "outcome unknown", not "refused".
  const cases = [
    ...seedsOr([3001, 3002, 3003]).map((seed) => ({ seed, committedFirst: true })),
    ...seedsOr([3011, 3012, 3013]).map((seed) => ({ seed, committedFirst: false })),
  ];
  for (const { seed, committedFirst } of cases) {
    it(`stop() after appending${committedFirst ? '' : ', before the commit'}: success or a typed outcome-unknown error, never a silent loss (seed ${seed})`, async () => {
      const ids = committedFirst ? ['a', 'b', 'c'] : ['a', 'b', 'c', 'd', 'e'];
      const sim = new Simulation({ seed, nodes: ids, replay, storageLatency: [0, 4] });
      await sim.start();
      const leader = await sim.waitForLeader();
      await commitMany(sim, leader, 3);
      const followers = ids.filter((id) => id !== leader);
      const target = followers[0]!;
      if (!committedFirst) {
        sim.network.filter = (from, to, payload) =>
          !(to === leader && from !== target && (payload as Message).type === 'appendResponse');
      }

      // One proposal on the leader itself, one forwarded by a follower; both are in the leader's log.
      const own = sim.propose(leader);
      const fwd = sim.propose(followers[1]!);
      const ownOutcome = track(own.result);
      const fwdOutcome = track(fwd.result);
      const hasCommand = (id: string, c: string) =>
        sim
          .raft(id)
          .raftNode.protocol.log.entries.some((e) => (e.data as { id?: string } | undefined)?.id === c);
      await sim.runUntil(
        () => hasCommand(leader, own.command) && hasCommand(leader, fwd.command),
        100,
        'appending',
      );
      const ownIndex = sim
        .raft(leader)
        .raftNode.protocol.log.entries.find(
          (e) => (e.data as { id?: string } | undefined)?.id === own.command,
        )!.index;
      if (!committedFirst) {
        // The target holds everything; the others' progress is stale, so stop() picks the target.
        const core = sim.raft(leader).raftNode.protocol;
        await sim.runUntil(
          () => core.progressOf(target)!.match === core.log.lastIndex(),
          100,
          'target caught up',
        );
        for (const id of followers.slice(1)) expect(core.progressOf(id)!.match).toBeLessThan(ownIndex);
      }
      const commitAtStop = sim.status(leader).commitIndex;

      const stopped = track(sim.raft(leader).stop());
      // Proposed once the transfer started: refused (it will never apply), never silently dropped.
      const late = sim.propose(leader);
      const lateOutcome = track(late.result);
      await sim.runUntil(() => stopped.state() !== 'pending', 1_000, 'stop()');
      expect(stopped.state()).toBe('fulfilled');
      const newLeader = sim.leaders().find((id) => id !== leader);
      if (committedFirst) expect(followers).toContain(newLeader);
      else expect(newLeader).toBe(target);
      sim.crash(leader);
      sim.network.filter = null;
      await sim.runUntil(
        () => [ownOutcome, fwdOutcome, lateOutcome].every((o) => o.state() !== 'pending'),
        11_000,
        'every proposal settled',
      );
      expect(lateOutcome.state()).toBe('rejected');
      expect(lateOutcome.error()).toBeInstanceOf(ProposalRefusedError);
      expect((lateOutcome.error() as ProposalRefusedError).code).toMatch(/^(TRANSFERRING|STOPPED)$/);
      if (committedFirst) {
        expect(ownOutcome.state()).toBe('fulfilled');
      } else {
        expect(commitAtStop).toBeLessThan(ownIndex);
        expect(ownOutcome.state()).toBe('rejected');
        expect(ownOutcome.error()).toBeInstanceOf(OutcomeUnknownError);
        expect(ownOutcome.error()).not.toBeInstanceOf(ProposalRefusedError);
      }
      // The follower outlives the leader: its proposal is retried to the new leader and succeeds.
      expect(fwdOutcome.state()).toBe('fulfilled');

      await sim.converge();
      sim.checkFinal();
      // The transfer caught the target up before it campaigned, so both entries survive, once each.
      for (const id of followers) {
        expect(timesApplied(sim, id, own.command)).toBe(1);
        expect(timesApplied(sim, id, fwd.command)).toBe(1);
        expect(timesApplied(sim, id, late.command)).toBe(0);
      }
      if (ownOutcome.state() === 'fulfilled') {
        expect(ownOutcome.value()!.index).toBe(ownIndex);
        expect(commandAt(sim, newLeader!, ownIndex)).toBe(own.command);
      }
      await sim.stop();
    });
  }
});

describe('row 31: chunked snapshot', () => {
  it('a new learner installs a multi-chunk snapshot plus the log tail, is promoted, and applies the same sequence', async () => {
    const seed = seedOr(3101);
    const ids = ['a', 'b', 'c'];
    const sim = new Simulation({
      seed,
      nodes: ids,
      replay,
      tuning: { snapshotThreshold: 20, snapshotTrailingEntries: 2, snapshotChunkChars: 64 },
    });
    await sim.start();
    const leader = await sim.waitForLeader();
    const written = (await commitMany(sim, leader, 65)).length;
    const snapIndex = () => sim.raft(leader).raftNode.protocol.snapshot?.meta.index ?? 0;
    // Leave a tail after the latest snapshot: it must reach the learner as entries.
    let extra = 0;
    while (sim.status(leader).lastIndex - snapIndex() < 3) extra += (await commitMany(sim, leader, 1)).length;
    await sim.runFor(100);
    for (const id of ids) expect(sim.status(id).firstIndex).toBeGreaterThan(40);
    const tailFrom = snapIndex() + 1;

    const chunks: { offset: number; done: boolean; index: number }[] = [];
    let appendedAfterSnapshot = 0;
    sim.network.filter = (_from, to, payload) => {
      const m = payload as Message;
      if (to !== 'd') return true;
      if (m.type === 'snapshot') chunks.push({ offset: m.offset, done: m.done, index: m.meta.index });
      if (m.type === 'append' && m.entries.some((e) => e.index >= tailFrom)) appendedAfterSnapshot++;
      return true;
    };
    sim.addNode('d');
    await sim.startNode('d', []);
    const joined = track(sim.raft(ids.find((id) => id !== leader)!).join('d'));
    await sim.runUntil(() => joined.state() !== 'pending', 5_000, 'join');
    expect(joined.state()).toBe('fulfilled');
    await sim.runUntil(() => sim.status(leader).config.voters.includes('d'), 5_000, 'promotion');
    await sim.runUntil(() => sim.status('d').config.voters.includes('d'), 5_000, 'd learns it is a voter');

    const distinctChunks = new Set(chunks.map((c) => c.offset));
    expect(distinctChunks.size).toBeGreaterThan(1);
    expect(chunks.filter((c) => c.done).length).toBeGreaterThanOrEqual(1);
    expect(chunks.every((c) => c.index === chunks[0]!.index)).toBe(true);
    expect(appendedAfterSnapshot).toBeGreaterThan(0);
    expect(sim.raft('d').raftNode.protocol.snapshot?.meta.index).toBeGreaterThanOrEqual(chunks[0]!.index);

    // More writes after the promotion reach d as entries.
    const more = await commitMany(sim, leader, 5);
    await sim.converge();
    sim.checkFinal();
    const reference = sim.stateMachine(leader).applied;
    expect(reference).toHaveLength(written + extra + 5);
    for (const id of [...ids, 'd']) expect(sim.stateMachine(id).applied).toEqual(reference);
    for (const c of more) expect(sim.stateMachine('d').applied).toContain(c);
    expect(sim.raft('d').members).toEqual({ voters: expect.arrayContaining([...ids, 'd']), learners: [] });
    await flushMicrotasks();
    await sim.stop();
  });
});
