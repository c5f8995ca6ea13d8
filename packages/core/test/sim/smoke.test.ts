import { describe, expect, it } from 'vitest';
import { Simulation } from '../../src/testing/index.js';

describe('simulator smoke', () => {
  it('elects, replicates and applies', async () => {
    const sim = new Simulation({ seed: 1, nodes: ['a', 'b', 'c'] });
    await sim.start();
    const leader = await sim.waitForLeader();
    const p = sim.propose(leader);
    await sim.runUntil(() => sim.acknowledged.has(p.command), 1000, 'commit');
    await sim.converge();
    sim.checkFinal();
    expect(sim.stateMachine('a').applied).toEqual([p.command]);
    await sim.stop();
  });
});
