import { describe, expect, it } from 'vitest';
import { sameBytes, shardCounters } from '../../src/index.js';
import type { ShardReplicator } from '../../src/replicator.js';
import { RegistrySim, replayFor, SEED_SHARDS, seedsOr, serverUrl } from './registry-sim.js';

// Uploads through every member while members crash and restart, members are cut off, and storage
// servers go down; replicators run on every member. SEED=s replays one seed.
const replay = replayFor('faults.sim.test.ts');

interface Upload {
  name: string;
  bytes: Uint8Array;
  shardId: string;
}

async function runFaults(seed: number): Promise<{ acked: number; refused: number; faults: number }> {
  const r = new RegistrySim({ seed, replay, unreliable: seed % 2 === 0 });
  const sim = r.sim;
  const rnd = r.random;
  await r.start();
  await r.setUpSeedShards(64 * 1024);

  const replicators: ShardReplicator[] = r.ids.map((id) => r.replicator(id, `rep-${id}`));
  for (const rep of replicators) rep.start();

  const acked: Upload[] = [];
  let refused = 0;
  let faults = 0;
  let pending = 0;
  const UPLOADS = 40;
  for (let i = 0; i < UPLOADS; i++) {
    const at = Math.floor(rnd() * 3_000);
    const size = 50 + Math.floor(rnd() * 1500);
    const bytes = Uint8Array.from({ length: size }, (_, k) => (i * 31 + k * 7) & 0xff);
    const via = r.ids[Math.floor(rnd() * r.ids.length)]!;
    // Every fifth upload reuses an earlier name with other bytes: it must not overwrite that file.
    const name = i % 5 === 4 ? `file-${Math.floor(rnd() * i)}.bin` : `file-${i}.bin`;
    pending++;
    sim.clock.setTimer(at, () => {
      r.member(via)
        .coordinator.upload(name, bytes)
        .then(
          ({ shardId }) => {
            // Acknowledged: from here on it must never be lost.
            acked.push({ name, bytes, shardId });
          },
          () => {
            refused++;
          },
        )
        .finally(() => pending--);
    });
  }

  // Faults over the same 3 s: a member crashes and comes back, a member is cut off, a server goes down.
  const down = new Set<string>();
  for (let f = 0; f < 6; f++) {
    const at = 100 + Math.floor(rnd() * 2_800);
    const kind = Math.floor(rnd() * 3);
    const victim = r.ids[Math.floor(rnd() * r.ids.length)]!;
    const server = String(1 + Math.floor(rnd() * 6));
    const lasts = 150 + Math.floor(rnd() * 500);
    sim.clock.setTimer(at, () => {
      faults++;
      if (kind === 0 && sim.isAlive(victim)) {
        r.crash(victim);
        sim.clock.setTimer(lasts, () => void r.restart(victim));
      } else if (kind === 1) {
        sim.network.isolate(victim, r.ids);
        sim.clock.setTimer(lasts, () => sim.network.heal());
      } else {
        down.add(server);
        r.memory.setDown(serverUrl(server), true);
        sim.clock.setTimer(lasts, () => {
          down.delete(server);
          r.memory.setDown(serverUrl(server), false);
        });
      }
    });
  }
  await sim.runUntil(() => pending === 0, 30_000, 'every upload settled');

  // Heal everything: members up, links whole, servers up.
  sim.network.heal();
  for (const id of r.ids) if (!sim.isAlive(id)) await r.restart(id);
  for (const s of down) r.memory.setDown(serverUrl(s), false);

  const converged = () =>
    r.ids.every((id) => {
      const state = r.stateOf(id);
      return (
        state.tasks.length === 0 &&
        acked.every((u) => state.file(u.shardId, u.name) !== undefined) &&
        sim.raft(id).raftNode.appliedIndex === sim.raft(id).commitIndex
      );
    });
  await sim.runUntil(converged, 120_000, 'the replication queue drained on every member');
  for (const rep of replicators) void rep.stop();

  if (r.violations.length > 0) r.fail(r.violations.join('; '));
  for (const id of r.ids) {
    const state = r.stateOf(id);
    // No acknowledged upload lost from the registry, on any member.
    for (const u of acked) {
      const file = state.file(u.shardId, u.name);
      if (!file || file.size !== u.bytes.length) r.fail(`${id} lost ${u.shardId}:${u.name}`);
    }
    // Counters: one recorded upload per file, one completed replication per other server of its shard.
    const files = state.files;
    for (const c of shardCounters(state)) {
      const inShard = files.filter((f) => f.shardId === c.shardId).length;
      expect({
        shard: c.shardId,
        ok: c.uploadsOk,
        done: c.replicationsDone,
        pending: c.replicationsPending,
      }).toEqual({
        shard: c.shardId,
        ok: inShard,
        done: inShard,
        pending: 0,
      });
    }
  }
  // Every acknowledged file on every server of its shard, with its bytes.
  for (const u of acked) {
    const servers = SEED_SHARDS.find(([id]) => id === u.shardId)![1];
    for (const s of servers)
      if (!sameBytes(r.memory.filesOf(serverUrl(s)).get(u.name) ?? new Uint8Array(0), u.bytes))
        r.fail(`server ${s} does not hold ${u.shardId}:${u.name}`);
  }
  // Reads with fallback: with the first server of each shard down, every file still reads.
  for (const [, servers] of SEED_SHARDS) r.memory.setDown(serverUrl(servers[0]!), true);
  const reader = r.member(r.ids[0]!).coordinator;
  for (const u of acked) {
    const bytes = await r.settle(reader.read(u.shardId, u.name), 1_000, `reading ${u.name}`);
    if (!sameBytes(bytes, u.bytes)) r.fail(`read of ${u.shardId}:${u.name} returned other bytes`);
  }
  await sim.stop();
  return { acked: acked.length, refused, faults };
}

describe('uploads and replication under crashes, partitions and storage outages', () => {
  it('loses no acknowledged upload, and every acknowledged file reaches every server of its shard', async () => {
    let acked = 0;
    for (const seed of seedsOr([1, 2, 3, 4])) {
      const run = await runFaults(seed);
      expect(run.faults).toBeGreaterThan(0);
      acked += run.acked;
    }
    // The faults refuse some uploads, not all of them.
    expect(acked).toBeGreaterThan(0);
  });
});
