import { OutcomeUnknownError, ProposalRefusedError } from '@webraft/core';
import { UNRELIABLE } from '@webraft/core/testing';
import { describe, expect, it } from 'vitest';
import { type JsonValue, PatchConflictError } from '../src/index.js';
import { randomPatch } from './random-patch.js';
import {
  expectSameDocuments,
  replayFor,
  seedsOr,
  startJsonDocCluster,
  testRandom,
  withSeed,
} from './sim-helpers.js';

// Random patch sequences proposed concurrently on 3 simulated nodes, over a network that drops,
// duplicates and reorders messages, with partitions, nodes crashing and restarting, and snapshots compacting
// the log: every node ends with the same document, the one the committed patches give in log order.
// SEED=s replays one seed.
const replay = replayFor('convergence.sim.test.ts');
const INITIAL: JsonValue = { data: {}, log: [] };
const ROUNDS = 60;

describe('json-doc: random patches on 3 simulated nodes converge', () => {
  for (const seed of seedsOr([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]))
    it(`seed ${seed}`, async () => {
      await withSeed(seed, replay, async () => {
        const { sim, handles, startNode } = await startJsonDocCluster(
          {
            seed,
            faults: { ...UNRELIABLE, duplicate: 0.05 },
            tuning: { snapshotThreshold: 25, snapshotTrailingEntries: 5 },
            replay,
          },
          INITIAL,
        );
        const ids = sim.ids;
        const rnd = testRandom(seed, 0x150d);
        const applied = new Set<string>();
        const conflicted = new Set<string>();
        const unexpected: unknown[] = [];
        let proposed = 0;
        for (let round = 0; round < ROUNDS; round++) {
          const live = sim.liveIds();
          if (rnd() < 0.06 && live.length === 3) sim.crash(live[Math.floor(rnd() * 3)]!);
          // Partitions: a node cut off from the others for a while (a minority leader keeps proposing).
          if (rnd() < 0.05) sim.network.isolate(ids[Math.floor(rnd() * 3)]!, ids);
          else if (rnd() < 0.15) sim.network.heal();
          for (const id of ids.filter((i) => !sim.isAlive(i))) if (rnd() < 0.25) await startNode(id);
          for (let n = Math.floor(rnd() * 3); n >= 0; n--) {
            const from = sim.liveIds()[Math.floor(rnd() * sim.liveIds().length)]!;
            const handle = handles.get(from)!;
            const marker = `p${++proposed}`;
            const patch = randomPatch(rnd, handle.value as JsonValue, marker);
            handle.propose(patch, { timeoutMs: 2_000 }).then(
              () => applied.add(marker),
              (error) => {
                if (error instanceof PatchConflictError) {
                  conflicted.add(marker);
                  // The error names the failing operation of the patch as proposed.
                  if (JSON.stringify(error.operation) !== JSON.stringify(patch[error.operationIndex]))
                    unexpected.push(error);
                } else if (!(error instanceof ProposalRefusedError || error instanceof OutcomeUnknownError))
                  unexpected.push(error);
              },
            );
          }
          await sim.runFor(5 + rnd() * 60);
        }
        for (const id of ids) if (!sim.isAlive(id)) await startNode(id);
        await sim.converge(60_000);
        // Let every proposal still waiting settle (they time out after 2 s at most).
        await sim.runFor(2_500);
        await sim.converge(60_000);
        const doc = expectSameDocuments(sim, INITIAL) as { log: string[] };
        expect(unexpected).toEqual([]);
        const counts = new Map<string, number>();
        for (const m of doc.log) counts.set(m, (counts.get(m) ?? 0) + 1);
        for (const [m, n] of counts) expect(n, `${m} in the log`).toBe(1);
        for (const m of applied) expect(counts.get(m), `applied ${m}`).toBe(1);
        for (const m of conflicted) expect(counts.has(m), `conflicted ${m}`).toBe(false);
        // The run exercised both outcomes (a seed where none conflicted would test little).
        expect(applied.size).toBeGreaterThan(10);
        expect(conflicted.size).toBeGreaterThan(0);
        await sim.stop();
      });
    });
});
