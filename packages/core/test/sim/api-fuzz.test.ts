import { describe, expect, it } from 'vitest';
import { runApiFuzz } from '../../src/testing/index.js';

// SEEDS=n runs more; SEED=s replays one (or: pnpm soak --api --seed s).
const single = process.env.SEED === undefined ? undefined : Number(process.env.SEED);
const count = Number(process.env.SEEDS ?? 1000);
const seeds = single !== undefined ? [single] : Array.from({ length: count }, (_, i) => 30_001 + i);

describe('API fuzzer', () => {
  it(`no sequence of public API calls wedges or corrupts the cluster (${seeds.length} seeds)`, async () => {
    let calls = 0;
    let acknowledged = 0;
    const rejected = new Map<string, number>();
    for (const seed of seeds) {
      const report = await runApiFuzz({
        seed,
        replay: 'SEED={seed} pnpm vitest run packages/core/test/sim/api-fuzz.test.ts',
      });
      calls += report.calls;
      acknowledged += report.acknowledged;
      for (const [k, n] of Object.entries(report.rejected)) rejected.set(k, (rejected.get(k) ?? 0) + n);
    }
    // The runs exercised what they claim: many calls, commits, and refusals of each kind of bad input.
    expect(calls).toBeGreaterThan(seeds.length * 20);
    expect(acknowledged).toBeGreaterThan(seeds.length);
    if (single === undefined) {
      for (const code of ['INVALID_COMMAND', 'INVALID_ADDRESS', 'TOO_LARGE', 'ABORTED', 'CONFIGURATION'])
        expect(
          [...rejected.keys()].some((k) => k.endsWith(` ${code}`)),
          code,
        ).toBe(true);
    }
  }, 600_000);
});
