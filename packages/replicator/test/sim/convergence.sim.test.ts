import { describe, expect, it } from 'vitest';
import { SimNetwork } from './sim-network.js';

// Seeded networks of 3 to 7 replicas (see sim-network.ts). SEEDS=n runs more; SEED=s replays one.
const single = process.env.SEED === undefined ? undefined : Number(process.env.SEED);
const count = Number(process.env.SEEDS ?? 30);
const seeds = single === undefined ? Array.from({ length: count }, (_, i) => i + 1) : [single];
const file = 'packages/replicator/test/sim/convergence.sim.test.ts';

describe('replicas on a seeded network with partitions, crashes between exchange steps, writes and deletes', () => {
  it('converge after heal and pairwise sync: identical values and tombstones, no write lost but to a larger version', async () => {
    let crashes = 0;
    for (const seed of seeds) {
      const sim = new SimNetwork({
        seed,
        steps: 300,
        compact: false,
        replay: `SEED={seed} pnpm exec vitest run ${file} -t tombstones`,
      });
      await sim.run();
      crashes += sim.crashes;
    }
    expect(crashes).toBeGreaterThan(0);
  });

  it('converge with tombstone compaction on: identical values, no delete undone', async () => {
    let compacted = 0;
    for (const seed of seeds) {
      const sim = new SimNetwork({
        seed,
        steps: 300,
        compact: true,
        replay: `SEED={seed} pnpm exec vitest run ${file} -t compaction`,
      });
      await sim.run();
      compacted += sim.dropped;
    }
    expect(compacted).toBeGreaterThan(0);
  });
});
