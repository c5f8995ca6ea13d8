import { describe, expect, it } from 'vitest';
import { Simulation } from '../../src/testing/index.js';
import {
  commandAt,
  expectIdenticalLogs,
  nodeIds,
  replayFor,
  runChecking,
  seedOr,
} from './scenario-helpers.js';

// docs/scenarios.md row 29: one-way isolation. A follower whose outbound messages all fail while the
// leader's heartbeats still reach it must never start an election: its lease keeps being renewed.
// SEED=s replays one seed.
const replay = replayFor('isolation.sim.test.ts');

const variants = [
  { name: '3 nodes', nodes: 3, preVote: true },
  { name: '5 nodes', nodes: 5, preVote: true },
  { name: '3 nodes, pre-vote off', nodes: 3, preVote: false },
] as const;

describe('row 29: one-way isolation', () => {
  for (const [i, v] of variants.entries()) {
    it(`a follower that cannot send never campaigns while heartbeats arrive (${v.name})`, async () => {
      const seed = seedOr(291 + i);
      const ids = nodeIds(v.nodes);
      const sim = new Simulation({ seed, nodes: ids, tuning: { preVote: v.preVote }, replay });
      await sim.start();
      const leader = await sim.waitForLeader();
      await sim.runFor(200);
      const term = sim.status(leader).term;
      const mute = ids.find((id) => id !== leader)!;
      // Everything it sends is lost; everything sent to it arrives.
      for (const other of ids) if (other !== mute) sim.network.disconnect(mute, other, true);

      const committed: string[] = [];
      let sentByMute = 0;
      const prevOnSend = sim.network.onSend;
      sim.network.onSend = (from, to, payload) => {
        prevOnSend?.(from, to, payload);
        if (from === mute) sentByMute++;
      };
      // 100 election timeouts, with proposals committing meanwhile.
      for (let round = 0; round < 20; round++) {
        const p = sim.propose(leader, { timeoutMs: 2_000 });
        await runChecking(sim, 500, () => {
          const s = sim.status(mute);
          if (s.role !== 'follower' || s.term !== term)
            sim.fail(`the one-way isolated ${mute} campaigned: ${s.role} in term ${s.term}`);
          const l = sim.status(leader);
          if (l.role !== 'leader' || l.term !== term)
            sim.fail(`${leader} lost its leadership of term ${term}`);
        });
        expect(sim.acknowledged.has(p.command), `round ${round}`).toBe(true);
        committed.push(p.command);
      }
      // It kept hearing the leader (and answering into the void), and it received the entries.
      expect(sentByMute).toBeGreaterThan(100);
      expect(sim.status(mute).leader).toBe(leader);
      const lastIndex = sim.acknowledged.get(committed.at(-1)!)!;
      expect(sim.status(mute).lastIndex).toBe(lastIndex);
      expect(commandAt(sim, mute, lastIndex)).toBe(committed.at(-1));
      // Nobody else raised the term either.
      for (const id of ids) expect(sim.status(id).term).toBe(term);

      // Once its messages flow again, it is a normal follower: same term, same leader, same log.
      sim.network.heal();
      await sim.converge();
      await expectIdenticalLogs(sim);
      sim.checkFinal();
      expect(sim.status(leader)).toMatchObject({ role: 'leader', term });
      expect(sim.stateMachine(mute).applied).toEqual(committed);
      await sim.stop();
    });
  }

  it('the same follower does campaign once the heartbeats stop (its timer is real)', async () => {
    const seed = seedOr(295);
    const ids = nodeIds(3);
    const sim = new Simulation({ seed, nodes: ids, replay });
    await sim.start();
    const leader = await sim.waitForLeader();
    await sim.runFor(200);
    const mute = ids.find((id) => id !== leader)!;
    for (const other of ids) if (other !== mute) sim.network.disconnect(mute, other, true);
    await sim.runFor(1_000);
    expect(sim.status(mute).role).toBe('follower');
    sim.crash(leader);
    // Without heartbeats its election timer fires within two election timeouts (100 to 200 ms here).
    await sim.runUntil(() => sim.status(mute).role !== 'follower', 400, 'the follower campaigning');
    expect(sim.status(mute).role).toBe('precandidate');
    await sim.startNode(leader);
    await sim.converge();
    sim.checkFinal();
    await sim.stop();
  });
});
