import { describe, expect, it } from 'vitest';
import { SimNetwork } from './sim-network.js';

// Seeded networks of 3 to 7 replicas (see sim-network.ts). SEEDS=n runs more; SEED=s replays one.
const single = process.env.SEED === undefined ? undefined : Number(process.env.SEED);
const count = Number(process.env.SEEDS ?? 30);
const seeds = single === undefined ? Array.from({ length: count }, (_, i) => i + 1) : [single];
const file = 'packages/replicator/test/sim/convergence.sim.test.ts';

/** Runs every seed with `compact`; returns the simulations, for the caller's own checks. */
async function runSeeds(compact: boolean, title: string): Promise<SimNetwork[]> {
  const sims: SimNetwork[] = [];
  for (const seed of seeds) {
    const sim = new SimNetwork({
      seed,
      steps: 300,
      compact,
      replay: `SEED={seed} pnpm exec vitest run ${file} -t ${title}`,
    });
    await sim.run();
    sims.push(sim);
  }
  return sims;
}

describe('replicas on a seeded network with partitions, crashes between exchange steps, writes and deletes', () => {
  it('converge after heal and pairwise sync: identical values and tombstones, no write lost but to a larger version', async () => {
    const sims = await runSeeds(false, 'tombstones');
    expect(sims.reduce((n, sim) => n + sim.crashes, 0)).toBeGreaterThan(0);
  });

  it('converge with tombstone compaction on: identical values, no delete undone', async () => {
    const sims = await runSeeds(true, 'compaction');
    expect(sims.reduce((n, sim) => n + sim.dropped, 0)).toBeGreaterThan(0);
  });
});
