import { RaftError } from '@webraft/core';
import { RELIABLE } from '@webraft/core/testing';
import { describe, expect, it } from 'vitest';
import { InvalidPatchError, type JsonValue } from '../src/index.js';
import { hostilePatch } from './hostile-patch.js';
import {
  expectSameDocuments,
  recordingOf,
  replayFor,
  seedsOr,
  startJsonDocCluster,
  testRandom,
  withSeed,
} from './sim-helpers.js';

// Invalid and hostile patches (huge, deep, prototype-polluting, of the wrong types, not JSON) are
// refused with typed errors before anything is sent; the JSON ones, proposed raw past the check
// (as a client of the core could), are committed but refused alike by every node. No node's document
// changes, and no prototype is polluted. SEED=s replays one seed.
const replay = replayFor('hostile.sim.test.ts');
const INITIAL: JsonValue = { ok: 1, a: { b: 2 }, log: [] };

describe('json-doc: hostile patches change nothing, on any node', () => {
  for (const seed of seedsOr([31, 32, 33]))
    it(`seed ${seed}`, async () => {
      await withSeed(seed, replay, async () => {
        const { sim, handles } = await startJsonDocCluster(
          { seed, faults: { ...RELIABLE, minDelay: 0, maxDelay: 10, drop: 0.05, duplicate: 0.05 }, replay },
          INITIAL,
        );
        const ids = sim.ids;
        const rnd = testRandom(seed, 0xbad);
        const markers: string[] = [];
        let reachedTheLog = 0;
        const refusedByCore = new Set<string>();
        for (let i = 0; i < 60; i++) {
          const from = ids[Math.floor(rnd() * ids.length)]!;
          const handle = handles.get(from)!;
          if (rnd() < 0.3) {
            // Valid patches in between: the document does move, just never by a hostile one.
            const marker = `m${i}`;
            let done = false;
            handle.propose([{ op: 'add', path: '/log/-', value: marker }]).then(() => (done = true));
            await sim.runUntil(() => done, 10_000, `valid patch ${marker}`);
            markers.push(marker);
            continue;
          }
          const hostile = hostilePatch(rnd);
          await sim.converge();
          const before = ids.map((id) => recordingOf(sim, id).doc.value);
          const lastIndex = sim.status(from).lastIndex;
          const error = await handle.propose(hostile.patch as never).catch((e: unknown) => e);
          expect(error, hostile.name).toBeInstanceOf(InvalidPatchError);
          expect((error as InvalidPatchError).reason, hostile.name).toBe(hostile.reason);
          expect(sim.status(from).lastIndex, `${hostile.name}: nothing was proposed`).toBe(lastIndex);
          if (hostile.json) {
            // Past the check: the core refuses what it cannot carry; the rest commits and every node refuses it.
            let outcome: unknown;
            sim
              .raft(from)
              .propose({ patch: hostile.patch, proposer: `raw ${i}` })
              .then(
                (r) => (outcome = r.result),
                (e) => (outcome = e),
              );
            await sim.runUntil(() => outcome !== undefined, 10_000, `raw ${hostile.name}`);
            // The core's own limits (command size, nesting) refuse some first, with its typed errors.
            if (outcome instanceof RaftError) refusedByCore.add(hostile.reason);
            else {
              reachedTheLog++;
              expect(outcome, hostile.name).toMatchObject({ invalid: { reason: hostile.reason } });
            }
          }
          await sim.converge();
          for (const [k, id] of ids.entries())
            expect(recordingOf(sim, id).doc.value, `${id} after ${hostile.name}`).toBe(before[k]);
        }
        await sim.converge();
        const doc = expectSameDocuments(sim, INITIAL) as Record<string, unknown>;
        expect(doc).toEqual({ ...(INITIAL as object), log: markers });
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        expect(Object.getPrototypeOf(doc)).toBe(Object.prototype);
        expect(reachedTheLog).toBeGreaterThan(0);
        for (const reason of refusedByCore) expect(['TOO_LARGE', 'TOO_DEEP']).toContain(reason);
        await sim.stop();
      });
    });
});
