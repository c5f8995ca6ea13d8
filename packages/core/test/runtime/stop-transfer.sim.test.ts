import { describe, expect, it } from 'vitest';
import { Simulation } from '../../src/testing/index.js';

const replay = 'pnpm vitest run packages/core/test/runtime/stop-transfer.sim.test.ts';
/** The simulation's heartbeat interval (virtual ms). */
const HEARTBEAT = 20;

async function cluster(seed: number): Promise<{ sim: Simulation; leader: string }> {
  const sim = new Simulation({ seed, nodes: ['a', 'b', 'c'], heartbeatInterval: HEARTBEAT, replay });
  await sim.start();
  return { sim, leader: await sim.waitForLeader() };
}

/** Virtual ms until every stop given has finished. */
async function timeToStop(sim: Simulation, stops: Promise<void>[]): Promise<number> {
  const start = sim.clock.now();
  let done = false;
  void Promise.all(stops).then(() => {
    done = true;
  });
  // Step by step: between two events a stop may only need promise work (then nothing is scheduled).
  while (!done) {
    if (sim.clock.now() - start > 2_000) throw new Error('the stops did not finish within 2 s');
    if (!(await sim.step())) await new Promise((resolve) => setImmediate(resolve));
  }
  return sim.clock.now() - start;
}

describe('a leader stopping hands over only to a voter that can take over', () => {
  it('stopping the whole cluster at once takes no transfer timeout (the others said goodbye)', async () => {
    for (const seed of [1, 2, 3]) {
      const { sim } = await cluster(seed);
      const elapsed = await timeToStop(
        sim,
        sim.ids.map((id) => sim.stopGracefully(id)),
      );
      expect(elapsed, `seed ${seed}`).toBeLessThan(HEARTBEAT);
    }
  });

  it('a leader whose voters have not answered within heartbeatTimeout stops without a transfer', async () => {
    const { sim, leader } = await cluster(4);
    // Crashed: no goodbye; the leader only sees that they stopped answering.
    for (const id of sim.ids) if (id !== leader) sim.crash(id);
    await sim.runFor(150); // beyond the heartbeatTimeout (100)
    const elapsed = await timeToStop(sim, [sim.stopGracefully(leader)]);
    expect(elapsed).toBeLessThan(HEARTBEAT);
  });

  it('with a live voter, the leader still hands over before it stops (no election timeout)', async () => {
    const { sim, leader } = await cluster(5);
    const others = sim.ids.filter((id) => id !== leader);
    const stopping = sim.stopGracefully(leader);
    // Without a handover, the others would wait at least the heartbeatTimeout (100) to elect.
    await sim.runUntil(
      () => others.some((id) => sim.status(id).role === 'leader'),
      50,
      'a transfer to another voter',
    );
    await timeToStop(sim, [stopping]);
    expect(others).toContain(sim.leader());
    await sim.stop();
  });

  it('a transfer whose target goes away ends at once: the caller hears so and the leader takes proposals', async () => {
    const { sim, leader } = await cluster(6);
    const target = sim.ids.find((id) => id !== leader)!;
    // Cut the target off first, so that the transfer cannot finish before it says goodbye.
    sim.network.isolate(target, sim.ids);
    const transfer = sim.raft(leader).transferLeadership(target);
    const outcome = transfer.then(
      () => null,
      (e: unknown) => e,
    );
    await sim.runFor(1);
    await expect(sim.raft(leader).propose({ id: 'during' })).rejects.toMatchObject({ code: 'TRANSFERRING' });
    const stopped = sim.stopGracefully(target);
    await timeToStop(sim, [stopped]);
    await sim.runFor(5); // the goodbye's network delay
    expect(await outcome).toMatchObject({ name: 'OutcomeUnknownError', code: 'TRANSFER_FAILED' });
    const { command } = sim.propose(leader);
    await sim.runUntil(() => sim.acknowledged.has(command), 50, 'a commit right after the transfer ended');
    await sim.stop();
  });
});
