import type { Message } from '@webraft/core';
import { type Simulation, UNRELIABLE } from '@webraft/core/testing';
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../src/index.js';
import {
  expectSameDocuments,
  replayFor,
  seedsOr,
  startJsonDocCluster,
  testRandom,
  withSeed,
} from './sim-helpers.js';

// Exactly-once comes from the core's proposal ids (client, sequence number): a proposal sent again
// after a lost or duplicated message, or forwarded again to a new leader, is never applied twice.
// `add /log/-` is not idempotent, so a patch applied twice would show its marker twice.
// SEED=s replays one seed.
const replay = replayFor('exactly-once.sim.test.ts');
const INITIAL: JsonValue = { log: [] };

/** Proposals (client, sequence number) the leader's log holds more than once. */
function proposalsTwiceInLog(sim: Simulation): number {
  const leader = sim.leader();
  if (!leader) return 0;
  const seen = new Map<string, number>();
  for (const e of sim.raft(leader).raftNode.protocol.log.entries)
    if (e.kind === 'command') seen.set(`${e.client}:${e.seq}`, (seen.get(`${e.client}:${e.seq}`) ?? 0) + 1);
  return [...seen.values()].filter((n) => n > 1).length;
}

describe('json-doc: a retried patch never applies twice', () => {
  for (const seed of seedsOr([11, 12, 13]))
    it(`seed ${seed}`, async () => {
      await withSeed(seed, replay, async () => {
        const { sim, handles, startNode } = await startJsonDocCluster(
          {
            seed,
            faults: {
              ...UNRELIABLE,
              drop: 0.2,
              duplicate: 0.3,
              maxDelay: 30,
              longDelay: 0.05,
              longDelayMin: 100,
              longDelayMax: 400,
            },
            replay,
          },
          INITIAL,
        );
        // How often each proposal (client and sequence number) reached a leader, as sent again or duplicated.
        const deliveries = new Map<string, number>();
        sim.network.filter = (_from, _to, payload) => {
          const m = payload as Message;
          if (m.type === 'propose')
            for (const e of m.entries) {
              const key = `${e.client}:${e.seq}`;
              deliveries.set(key, (deliveries.get(key) ?? 0) + 1);
            }
          return true;
        };
        const rnd = testRandom(seed, 0xe1);
        const acknowledged: string[] = [];
        let proposed = 0;
        // 25 rounds, and more (up to 100) until some proposal is in the log twice: the case to test.
        for (let round = 0; round < 25 || (round < 100 && proposalsTwiceInLog(sim) === 0); round++) {
          // A burst of patches from random nodes, and while they are in flight the leader may crash:
          // what it appended survives on the others, and its followers forward their pending
          // proposals again to the next leader, which appends them a second time.
          for (let n = 0; n < 3; n++) {
            const live = sim.liveIds();
            const from = live[Math.floor(rnd() * live.length)]!;
            const marker = `p${++proposed}`;
            handles
              .get(from)!
              .propose([{ op: 'add', path: '/log/-', value: marker }], { timeoutMs: 3_000 })
              .then(
                () => acknowledged.push(marker),
                () => undefined,
              );
          }
          await sim.runFor(2 + rnd() * 10);
          const leader = sim.leader();
          if (leader && rnd() < 0.4) {
            sim.crash(leader);
            await sim.runFor(30 + rnd() * 100);
            await startNode(leader);
          }
          await sim.runFor(rnd() * 50);
        }
        await sim.converge(60_000);
        await sim.runFor(3_500);
        await sim.converge(60_000);
        const doc = expectSameDocuments(sim, INITIAL) as { log: string[] };
        expect(new Set(doc.log).size, 'no marker twice').toBe(doc.log.length);
        for (const m of acknowledged) expect(doc.log.filter((x) => x === m)).toHaveLength(1);
        expect(acknowledged.length).toBeGreaterThan(30);
        // Retries did happen: some proposals reached a leader more than once, and some are in the
        // log twice (appended by two leaders), the second copy skipped on every node.
        expect([...deliveries.values()].filter((n) => n > 1).length).toBeGreaterThan(0);
        expect(proposalsTwiceInLog(sim)).toBeGreaterThan(0);
        await sim.stop();
      });
    });
});
