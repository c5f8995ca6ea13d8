import { seededRandom } from '../../runtime/clock.js';
import { RELIABLE, UNRELIABLE } from './sim-network.js';
import { Simulation } from './simulation.js';

export interface ChaosOptions {
  seed: number;
  nodes?: number;
  /** Virtual ms of churn before the network heals. */
  durationMs?: number;
  /** Small thresholds make compaction and InstallSnapshot part of every run. */
  snapshotThreshold?: number;
  replay?: string;
}

export interface ChaosReport {
  seed: number;
  steps: number;
  acknowledged: number;
  applied: number;
  crashes: number;
  partitions: number;
}

/**
 * The seeded chaos scenario (SCENARIOS.md rows 10 and 32): clients propose from random nodes while
 * nodes crash and restart, the network partitions (also one way), drops, duplicates and reorders.
 * Then everything heals; every invariant holds after every step, and every acknowledged proposal is
 * applied exactly once everywhere.
 */
export async function runChaos(opts: ChaosOptions): Promise<ChaosReport> {
  const count = opts.nodes ?? 5;
  const ids = Array.from({ length: count }, (_, i) => `n${i + 1}`);
  const sim = new Simulation({
    seed: opts.seed,
    nodes: ids,
    faults: { ...UNRELIABLE },
    storageLatency: [0, 3],
    tuning: {
      snapshotThreshold: opts.snapshotThreshold ?? 40,
      snapshotTrailingEntries: 5,
      snapshotChunkSize: 64,
      proposalTimeout: 2_000,
      maxInflight: 4,
      maxEntriesPerAppend: 8,
    },
    replay: opts.replay ?? 'pnpm soak --seed {seed}',
  });
  const rnd = seededRandom(opts.seed ^ 0xc4a05);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  let crashes = 0;
  let partitions = 0;
  await sim.start();
  const end = sim.clock.now() + (opts.durationMs ?? 3_000);
  while (sim.clock.now() < end) {
    const r = rnd();
    const live = sim.liveIds();
    const dead = ids.filter((id) => !sim.isAlive(id));
    if (r < 0.04 && live.length > 1) {
      sim.crash(pick(live));
      crashes++;
    } else if (r < 0.1 && dead.length > 0) {
      await sim.startNode(pick(dead));
    } else if (r < 0.14) {
      const shuffled = [...ids].sort(() => rnd() - 0.5);
      const cut = 1 + Math.floor(rnd() * (count - 1));
      sim.network.partition([shuffled.slice(0, cut), shuffled.slice(cut)]);
      partitions++;
    } else if (r < 0.16) {
      const [a, b] = [pick(ids), pick(ids)];
      if (a !== b) sim.network.disconnect(a, b, true);
    } else if (r < 0.22) {
      sim.network.heal();
    } else if (r < 0.25) {
      sim.network.faults =
        rnd() < 0.5
          ? { ...RELIABLE }
          : { ...UNRELIABLE, longDelay: 0.1, longDelayMin: 200, longDelayMax: 1200 };
    } else if (live.length > 0) {
      sim.propose(pick(live), { timeoutMs: 1_000 });
    }
    await sim.runFor(5 + rnd() * 40);
  }
  for (const id of ids) if (!sim.isAlive(id)) await sim.startNode(id);
  await sim.converge(60_000);
  // Let pending proposals settle (acknowledged or timed out) before the final check.
  await sim.runFor(2_500);
  // Liveness once healed: fresh proposals from every node commit.
  const fresh = sim.liveIds().map((id) => sim.propose(id, { timeoutMs: 5_000 }).command);
  await sim.runUntil(
    () => fresh.every((c) => sim.acknowledged.has(c)),
    10_000,
    'committing after the network healed',
  );
  await sim.converge(60_000);
  sim.checkFinal();
  const report: ChaosReport = {
    seed: opts.seed,
    steps: sim.steps,
    acknowledged: sim.acknowledged.size,
    applied: sim.stateMachine(ids[0]!).applied.length,
    crashes,
    partitions,
  };
  await sim.stop();
  return report;
}
