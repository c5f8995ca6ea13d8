import { describe, expect, it } from 'vitest';
import { runChaos } from '../../src/testing/index.js';

// docs/scenarios.md rows 10 and 32. SEEDS=n runs more; SEED=s replays one (or: pnpm soak --seed s).
const single = process.env.SEED === undefined ? undefined : Number(process.env.SEED);
const count = Number(process.env.SEEDS ?? 300);
const seeds = single !== undefined ? [single] : Array.from({ length: count }, (_, i) => i + 1);

describe('seeded chaos', () => {
  it(`keeps every invariant over ${seeds.length} seeds`, async () => {
    let acknowledged = 0;
    for (const seed of seeds) {
      const report = await runChaos({ seed });
      acknowledged += report.acknowledged;
      // Every run must have made progress, or it tested nothing.
      expect(report.applied, `seed ${seed}: nothing applied`).toBeGreaterThan(0);
    }
    expect(acknowledged).toBeGreaterThan(seeds.length);
  }, 600_000);
});

describe('seeded chaos with membership churn and leadership transfers', () => {
  const churnSeeds = single !== undefined ? [single] : Array.from({ length: count }, (_, i) => 10_001 + i);
  it(`keeps every invariant over ${churnSeeds.length} seeds`, async () => {
    let changes = 0;
    for (const seed of churnSeeds) {
      const report = await runChaos({
        seed,
        membership: true,
        replay: 'SEED={seed} pnpm vitest run packages/core/test/sim/chaos.test.ts',
      });
      changes += report.joins + report.leaves + report.transfers;
      expect(report.applied, `seed ${seed}: nothing applied`).toBeGreaterThan(0);
    }
    expect(changes).toBeGreaterThan(churnSeeds.length);
  }, 600_000);
});

describe('seeded chaos with slow disks', () => {
  // Writes of 5-40 virtual ms keep entries in flight while newer leaders truncate them: the
  // durability invariant (an acknowledged entry is on disk) is exercised hardest here.
  const slowSeeds =
    single !== undefined ? [single] : Array.from({ length: Math.ceil(count / 3) }, (_, i) => 20_001 + i);
  it(`keeps every invariant over ${slowSeeds.length} seeds`, async () => {
    let acknowledged = 0;
    for (const seed of slowSeeds) {
      const report = await runChaos({
        seed,
        storageLatency: [5, 40],
        replay: 'pnpm soak --seed {seed} --slow-disk',
      });
      acknowledged += report.acknowledged;
      expect(report.applied, `seed ${seed}: nothing applied`).toBeGreaterThan(0);
    }
    expect(acknowledged).toBeGreaterThan(slowSeeds.length);
  }, 600_000);
});
