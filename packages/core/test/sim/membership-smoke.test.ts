import { describe, expect, it } from 'vitest';
import { Simulation } from '../../src/testing/index.js';

describe('membership smoke', () => {
  it('joins a learner, promotes it, removes a voter, transfers leadership', async () => {
    const sim = new Simulation({
      seed: 7,
      nodes: ['a', 'b', 'c'],
      tuning: { snapshotThreshold: 20, snapshotTrailingEntries: 2, snapshotChunkChars: 50 },
    });
    await sim.start();
    const leader = await sim.waitForLeader();
    for (let i = 0; i < 30; i++) sim.propose(leader);
    await sim.runFor(200);
    sim.addNode('d');
    await sim.startNode('d', []);
    const follower = ['a', 'b', 'c'].find((id) => id !== leader)!;
    let joined = false;
    sim
      .raft(follower)
      .join('d')
      .then(() => {
        joined = true;
      });
    await sim.runUntil(() => joined, 5000, 'join');
    await sim.runUntil(() => sim.status(leader).config.voters.includes('d'), 5000, 'promotion');
    await sim.runUntil(() => sim.status('d').config.voters.includes('d'), 5000, 'd learns it is a voter');
    expect(sim.status('d').config.learners).toEqual([]);
    let left = false;
    sim
      .raft(leader)
      .leave(follower)
      .then(() => {
        left = true;
      });
    await sim.runUntil(() => left, 5000, 'leave');
    expect(sim.status(leader).config.voters.sort()).toEqual(
      ['a', 'b', 'c', 'd'].filter((id) => id !== follower).sort(),
    );
    let transferred = false;
    sim
      .raft(leader)
      .transferLeadership('d')
      .then(() => {
        transferred = true;
      });
    await sim.runUntil(() => transferred, 5000, 'transfer');
    expect(sim.leader()).toBe('d');
    sim.crash(follower);
    await sim.converge();
    sim.checkFinal();
    expect(sim.stateMachine('d').applied.length).toBe(30);
  });
});
