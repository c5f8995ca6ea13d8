import { describe, expect, it } from 'vitest';
import { Simulation } from '../../src/testing/index.js';
import {
  forEachSeed,
  nodeIds,
  pickDistinct,
  replayFor,
  runChecking,
  scenarioRandom,
  seedOr,
  seedsOr,
} from './scenario-helpers.js';

// docs/scenarios.md rows 1, 2 and 3 (the labs' 2A tests). SEED=s replays one seed.
const replay = replayFor('elections.sim.test.ts');

/** The one leader among `group` that a quorum follows, or null (and whether the group agrees on it). */
function groupLeader(sim: Simulation, group: string[]): string | null {
  const leaders = group.filter((id) => sim.status(id).role === 'leader');
  if (leaders.length !== 1) return null;
  const leader = leaders[0]!;
  const term = sim.status(leader).term;
  const log = sim.raft(leader).raftNode.protocol.log;
  if (log.term(log.committed) !== term) return null;
  return group.every((id) => sim.status(id).term === term && sim.status(id).leader === leader)
    ? leader
    : null;
}

describe('row 1: initial election', () => {
  it('elects exactly one leader, all terms equal and >= 1, no new term while idle', async () => {
    await forEachSeed(seedsOr([1, 2, 3, 4, 5]), 'elections.sim.test.ts', async (seed) => {
      const ids = nodeIds(3);
      const sim = new Simulation({ seed, nodes: ids, replay });
      await sim.start();
      await sim.waitForLeader(2_000);
      await sim.runUntil(() => groupLeader(sim, ids) !== null, 1_000, 'everyone following the leader');
      const leader = groupLeader(sim, ids)!;
      const term = sim.status(leader).term;
      expect(term, `seed ${seed}`).toBeGreaterThanOrEqual(1);
      expect(sim.leaders()).toEqual([leader]);
      for (const id of ids) {
        expect(sim.status(id).term).toBe(term);
        expect(sim.status(id).leader).toBe(leader);
      }
      // Idle and connected for 50 election timeouts: nobody starts an election, the leader stays.
      await runChecking(sim, 5_000, () => {
        for (const id of ids) {
          const s = sim.status(id);
          if (s.term !== term || s.leader !== leader || (id === leader) !== (s.role === 'leader'))
            sim.fail(`term or leader changed while idle: ${id} ${s.role} t${s.term} leader=${s.leader}`);
        }
      });
      expect(groupLeader(sim, ids)).toBe(leader);
      await sim.stop();
    });
  });
});

describe('row 2: re-election', () => {
  it('re-elects after the leader is cut, is not disrupted by its return, and needs a quorum', async () => {
    const seed = seedOr(21);
    const ids = nodeIds(3);
    const sim = new Simulation({ seed, nodes: ids, replay });
    await sim.start();
    const leader1 = await sim.waitForLeader(2_000);
    const term1 = sim.status(leader1).term;

    // Cut the leader: the other two elect a new one in a higher term.
    sim.network.isolate(leader1, ids);
    const rest = ids.filter((id) => id !== leader1);
    await sim.runUntil(() => groupLeader(sim, rest) !== null, 3_000, 'a new leader among the other two');
    const leader2 = groupLeader(sim, rest)!;
    const term2 = sim.status(leader2).term;
    expect(leader2).not.toBe(leader1);
    expect(term2).toBeGreaterThan(term1);
    // Check-quorum: the cut leader stepped down by now (it heard from nobody for an election timeout);
    // pre-vote: it did not raise its term while alone.
    await sim.runFor(500);
    expect(sim.status(leader1).role).not.toBe('leader');
    expect(sim.status(leader1).term).toBe(term1);

    // Rejoin the old leader: it follows the new one, which keeps its term.
    sim.network.heal();
    await sim.runUntil(
      () => groupLeader(sim, ids) === leader2,
      2_000,
      'the old leader following the new one',
    );
    await runChecking(sim, 2_000, () => {
      if (groupLeader(sim, ids) !== leader2) sim.fail('the rejoined old leader disrupted the new one');
    });
    expect(sim.status(leader2).term).toBe(term2);
    expect(sim.status(leader1)).toMatchObject({ role: 'follower', term: term2, leader: leader2 });

    // Cut 2 of 3 (everyone alone): no leader may survive or appear without a quorum.
    const third = ids.find((id) => id !== leader2 && id !== leader1)!;
    for (const id of ids) sim.network.isolate(id, ids);
    await sim.runFor(1_000); // the leader steps down after at most two election timeouts
    const commitsBefore = ids.map((id) => sim.status(id).commitIndex);
    await runChecking(sim, 3_000, () => {
      const leaders = sim.leaders();
      if (leaders.length > 0) sim.fail(`${leaders.join(',')} leads without a quorum`);
    });
    expect(ids.map((id) => sim.status(id).commitIndex)).toEqual(commitsBefore);
    // Pre-vote: nobody raised its term while alone.
    for (const id of ids) expect(sim.status(id).term).toBe(term2);

    // Heal one link: a quorum of two elects a leader.
    sim.network.connect(leader1, third);
    await sim.runUntil(
      () => groupLeader(sim, [leader1, third]) !== null,
      3_000,
      'a leader once a quorum is back',
    );
    const leader3 = groupLeader(sim, [leader1, third])!;
    const term3 = sim.status(leader3).term;
    expect(term3).toBeGreaterThan(term2);

    // Heal everything: leadership stays put and the last node follows it.
    sim.network.heal();
    await sim.runUntil(() => groupLeader(sim, ids) === leader3, 2_000, 'everyone following the leader');
    expect(sim.status(leader3).term).toBe(term3);
    await sim.converge();
    sim.checkFinal();
    await sim.stop();
  });
});

describe('row 3: many elections', () => {
  it('has exactly one leader among the 4 connected of 7 nodes, over 10 rounds of cutting 3', async () => {
    const seed = seedOr(31);
    const ids = nodeIds(7);
    const sim = new Simulation({ seed, nodes: ids, replay });
    const rnd = scenarioRandom(seed, 0x3e1ec7);
    await sim.start();
    await sim.waitForLeader(3_000);
    const terms: number[] = [];
    const leaders: string[] = [];
    for (let round = 0; round < 10; round++) {
      const cut = pickDistinct(rnd, ids, 3);
      for (const id of cut) sim.network.isolate(id, ids);
      const connected = ids.filter((id) => !cut.includes(id));
      await sim.runUntil(
        () => groupLeader(sim, connected) !== null,
        5_000,
        `round ${round}: a leader among the 4 connected`,
      );
      const leader = groupLeader(sim, connected)!;
      // Exactly one leader among the connected ones, and it stays the only one while nothing changes.
      await runChecking(sim, 300, () => {
        if (groupLeader(sim, connected) !== leader)
          sim.fail(`round ${round}: leadership of ${leader} among the connected changed`);
      });
      expect(connected.filter((id) => sim.status(id).role === 'leader')).toEqual([leader]);
      terms.push(sim.status(leader).term);
      leaders.push(leader);
      sim.network.heal();
    }
    // Terms never go back across rounds.
    for (let i = 1; i < terms.length; i++) expect(terms[i]).toBeGreaterThanOrEqual(terms[i - 1]!);
    await sim.runUntil(() => groupLeader(sim, ids) !== null, 5_000, 'one leader after healing');
    expect(sim.leaders()).toHaveLength(1);
    await sim.converge();
    sim.checkFinal();
    await sim.stop();
  });
});
