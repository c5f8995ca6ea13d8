import type { Message } from '@webraft/core';
import { describe, expect, it } from 'vitest';
import type { JsonDocChange, JsonValue } from '../src/index.js';
import {
  expectSameDocuments,
  handleOf,
  recordingOf,
  replayFor,
  seedsOr,
  startJsonDocCluster,
  withSeed,
} from './sim-helpers.js';

// Compaction: with a small snapshot threshold, a node that was down while the others compacted their
// logs past what it has catches up through InstallSnapshot, restores the document from it, and ends
// with the same document as the others. SEED=s replays one seed.
const replay = replayFor('snapshot.sim.test.ts');
const INITIAL: JsonValue = { cards: {}, order: [] };

function isDeepFrozen(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true;
  return Object.isFrozen(value) && Object.values(value).every(isDeepFrozen);
}

describe('json-doc: snapshots for compaction', () => {
  for (const seed of seedsOr([21, 22]))
    it(`a node that gets a snapshot ends with the same document (seed ${seed})`, async () => {
      await withSeed(seed, replay, async () => {
        const { sim } = await startJsonDocCluster(
          { seed, tuning: { snapshotThreshold: 5, snapshotTrailingEntries: 1 }, replay },
          INITIAL,
        );
        const ids = sim.ids;
        const snapshotChunks = new Map<string, number>();
        sim.network.filter = (_from, to, payload) => {
          if ((payload as Message).type === 'snapshot')
            snapshotChunks.set(to, (snapshotChunks.get(to) ?? 0) + 1);
          return true;
        };
        const leader0 = sim.leader()!;
        const lagging = ids.find((id) => id !== leader0)!;
        sim.crash(lagging);
        const leader = await sim.waitForLeader();
        const h = handleOf(sim, leader);
        for (let i = 0; i < 30; i++) {
          const done = h.propose([
            { op: 'add', path: `/cards/c${i}`, value: { title: `card ${i}`, tags: ['a', { deep: [i] }] } },
            { op: 'add', path: '/order/-', value: `c${i}` },
            ...(i % 3 === 2 ? [{ op: 'remove' as const, path: `/cards/c${i - 1}` }] : []),
          ]);
          let settled = false;
          done.then(
            () => (settled = true),
            (e) => sim.fail(`patch ${i} failed: ${e}`),
          );
          await sim.runUntil(() => settled, 5_000, `patch ${i}`);
        }
        // Everyone else compacted past what the lagging node has.
        expect(sim.status(leader).firstIndex).toBeGreaterThan(5);
        const restored: JsonDocChange[] = [];
        await sim.startNode(lagging);
        recordingOf(sim, lagging).doc.subscribe((c) => {
          if (c.restored) restored.push(c);
        });
        await sim.converge(30_000);
        expect(snapshotChunks.get(lagging)).toBeGreaterThan(0);
        expect(restored.length).toBeGreaterThan(0);
        const doc = expectSameDocuments(sim, INITIAL) as { cards: Record<string, unknown>; order: string[] };
        expect(doc.order).toHaveLength(30);
        expect(Object.keys(doc.cards)).toHaveLength(20);
        expect(isDeepFrozen(recordingOf(sim, lagging).doc.value)).toBe(true);
        // The restored node goes on applying patches, and proposing them.
        let last = false;
        handleOf(sim, lagging)
          .propose([{ op: 'replace', path: '/cards/c0/title', value: 'renamed' }])
          .then(() => (last = true));
        await sim.runUntil(() => last, 5_000, 'a patch from the restored node');
        await sim.converge();
        const after = expectSameDocuments(sim, INITIAL) as { cards: { c0: { title: string } } };
        expect(after.cards.c0.title).toBe('renamed');
        await sim.stop();
      });
    });
});
