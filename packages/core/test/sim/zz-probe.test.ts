import { it } from 'vitest';
import { Simulation } from '../../src/testing/index.js';
import { countSent } from './scenario-helpers.js';
it('x', async () => {
  for (const seed of [71, 72, 73, 74, 75, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) {
    const sim = new Simulation({ seed, nodes: ['n1','n2','n3'], electionTimeout: 300, heartbeatInterval: 100 });
    const count = countSent(sim);
    await sim.start();
    const leader = await sim.waitForLeader();
    const t1 = sim.status(leader).term;
    await sim.runUntil(() => sim.liveIds().every((id) => sim.raft(id).raftNode.appliedIndex >= sim.status(leader).commitIndex), 5000);
    const a = count.total(); const ta = JSON.stringify([...count.byType]);
    await sim.runFor(1000);
    count.reset();
    sim.crash(leader);
    const leader2 = await sim.waitForLeader();
    await sim.runUntil(() => sim.liveIds().every((id) => sim.raft(id).raftNode.appliedIndex >= sim.status(leader2).commitIndex), 5000);
    console.log(seed, 'term', t1, a, ta, 'relect', sim.status(leader2).term, count.total(), JSON.stringify([...count.byType]));
  }
});
