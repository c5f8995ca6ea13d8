import { describe, expect, it } from 'vitest';
import { Simulation } from '../../src/testing/index.js';

const replay = 'pnpm vitest run packages/core/test/runtime/early-messages.sim.test.ts';

describe("a leader's messages while its own write is in flight (thesis 10.2.1)", () => {
  it('the followers learn the commit their acknowledgements made before the leader has written the entry', async () => {
    const sim = new Simulation({ seed: 7, nodes: ['a', 'b', 'c'], storageLatency: [1, 1], replay });
    await sim.start();
    const leader = await sim.waitForLeader();
    const followers = sim.ids.filter((id) => id !== leader);
    // Virtual time: the leader's first entry commits everywhere, and nothing else is in flight.
    await sim.runFor(300);
    const last = sim.status(leader).lastIndex;
    expect(sim.ids.map((id) => sim.status(id).commitIndex)).toEqual([last, last, last]);
    const index = sim.status(leader).lastIndex + 1;
    // The leader's disk is slow: the two followers' acknowledgements commit the entry without it.
    const disk = sim.storageOf(leader);
    disk.extraLatency = 500;
    const writes = disk.writes;
    const { result } = sim.propose(leader);
    let acknowledged = false;
    void result.then(() => {
      acknowledged = true;
    });
    const learned = () => followers.every((id) => sim.status(id).commitIndex >= index);
    await sim.runUntil(learned, 50, 'the followers learning the commit');
    // Told while the leader's write is still in flight; the leader applies (and answers) only after it.
    expect(sim.status(leader).lastIndex).toBe(index);
    expect(sim.status(leader).commitIndex).toBe(index);
    expect(disk.writes).toBe(writes);
    expect(acknowledged).toBe(false);
    await sim.runUntil(() => acknowledged, 1_000, 'the proposal acknowledged once the leader wrote it');
    expect(disk.writes).toBeGreaterThan(writes);
    await sim.stop();
  });
});
