import { describe, expect, it } from 'vitest';
import {
  type BlobStore,
  FileNotFoundError,
  NoShardAvailableError,
  type PutMode,
  type ServerRecord,
  sameBytes,
  shardCounters,
} from '../../src/index.js';
import { RegistrySim, replayFor, serverUrl } from './registry-sim.js';

const replay = replayFor('queue.sim.test.ts');
const SEED = Number(process.env.SEED || 7);

/** A replicator's view of storage whose puts hang until released: a replicator that dies mid-copy. */
class HangingPuts implements BlobStore {
  readonly started: string[] = [];
  #release: (() => void)[] = [];
  constructor(private readonly inner: BlobStore) {}
  get(server: ServerRecord, name: string) {
    return this.inner.get(server, name);
  }
  put(server: ServerRecord, name: string, bytes: Uint8Array, mode: PutMode): Promise<void> {
    this.started.push(`${server.id}:${name}`);
    return new Promise<void>((resolve) => this.#release.push(resolve)).then(() =>
      this.inner.put(server, name, bytes, mode),
    );
  }
  releaseAll(): void {
    for (const r of this.#release.splice(0)) r();
  }
}

/** A started cluster with the seed's shards (10 000 bytes each) and `bytes` uploaded as `name` through member `via`. */
async function withUpload(seed: number, via: string, name: string, bytes: Uint8Array) {
  const r = new RegistrySim({ seed, replay });
  await r.start();
  await r.setUpSeedShards(10_000);
  const { shardId } = await r.settle(r.member(via).coordinator.upload(name, bytes));
  return { r, sim: r.sim, shardId };
}

describe('the replication queue: leases, re-claims, completion once', () => {
  it('a replicator that dies mid-copy loses its lease; another claims the task and completes it, once', async () => {
    const bytes = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
    const { r, sim, shardId } = await withUpload(SEED, 'n1', 'a.txt', bytes);
    const state = () => r.stateOf('n1');
    const [task] = state().tasks;
    if (!task) return r.fail('the upload queued no task');
    const target = task.target;

    // A claims with a 300 ms lease and hangs in the copy.
    const hanging = new HangingPuts(r.blobs);
    const a = r.replicator('n1', 'A', 300, hanging);
    a.start();
    await sim.runUntil(() => hanging.started.length === 1, 5_000, 'A claiming and copying');
    const leaseUntil = state().tasks[0]!.leaseUntil;
    expect(state().tasks[0]!.holder).toBe('A');

    // B runs on another member; while A's lease holds, the task stays A's.
    const b = r.replicator('n2', 'B', 300);
    b.start();
    // (Log time is the proposers' clock, here the simulator's.)
    await sim.runUntil(() => sim.clock.now() >= leaseUntil - 50, 5_000, 'the clock nearing the lease end');
    expect(state().tasks[0]!.holder).toBe('A');
    await sim.runUntil(() => b.copied === 1, 5_000, 'B re-claiming and completing the task');
    expect(state().tasks.map((t) => t.id)).not.toContain(task.id);
    expect(r.memory.filesOf(serverUrl(target)).get('a.txt')).toEqual(bytes);

    // A wakes up after B completed: its completion is refused, and nobody may claim the task again.
    hanging.releaseAll();
    await sim.runFor(500);
    expect(a.copied).toBe(0);
    const again = await r.settle(
      r.member('n3').client.propose({ op: 'claim', task: task.id, replicator: 'C', leaseMs: 100 }),
    );
    expect(again).toMatchObject({ ok: false, code: 'TASK_DONE' });
    const lateComplete = await r.settle(
      r.member('n3').client.propose({ op: 'complete', task: task.id, replicator: 'A' }),
    );
    expect(lateComplete).toMatchObject({ ok: false, code: 'TASK_DONE' });
    for (const id of r.ids) {
      await sim.runUntil(() => r.stateOf(id).tasks.length === 0, 2_000, `${id} applying the completion`);
      expect(shardCounters(r.stateOf(id)).find((c) => c.shardId === shardId)).toMatchObject({
        uploadsOk: 1,
        replicationsDone: 1,
        replicationsPending: 0,
      });
      expect(r.stateOf(id).file(shardId, 'a.txt')!.holders.sort()).toEqual(
        [task.target, state().file(shardId, 'a.txt')!.holders[0]!].sort(),
      );
    }
    if (r.violations.length > 0) r.fail(r.violations.join('; '));
    await b.stop();
    await sim.stop();
  });

  it('a failed copy is counted, retried after its backoff, and completes once the target is back', async () => {
    const { r, sim, shardId } = await withUpload(SEED + 1, 'n2', 'b.txt', new Uint8Array([1, 2, 3]));
    const task = r.stateOf('n2').tasks[0]!;
    r.memory.setDown(serverUrl(task.target), true);
    const rep = r.replicator('n3', 'R');
    rep.start();
    await sim.runUntil(() => (r.stateOf('n3').tasks[0]?.attempts ?? 0) >= 1, 5_000, 'a failed attempt');
    const failed = r.stateOf('n3').tasks[0]!;
    expect(failed.lastError).toContain('down');
    expect(failed.notBefore).toBeGreaterThan(r.stateOf('n3').time);
    r.memory.setDown(serverUrl(task.target), false);
    await sim.runUntil(() => r.stateOf('n3').tasks.length === 0, 10_000, 'the retry completing');
    // Not claimed before its backoff ran out (log time of the completion is past notBefore).
    expect(r.stateOf('n3').time).toBeGreaterThanOrEqual(failed.notBefore);
    const counters = shardCounters(r.stateOf('n3')).find((c) => c.shardId === shardId)!;
    expect(counters.replicationsFailed).toBeGreaterThanOrEqual(1);
    expect(counters.replicationsDone).toBe(1);
    await rep.stop();
    await sim.stop();
  });

  it('a replicator copies only the recorded bytes: a holder with other bytes fails the copy until it has them again', async () => {
    const bytes = new Uint8Array([4, 5, 6]);
    const { r, sim, shardId } = await withUpload(SEED + 5, 'n1', 'f.txt', bytes);
    const file = r.stateOf('n1').file(shardId, 'f.txt')!;
    const holder = r.stateOf('n1').server(file.holders[0]!)!;
    const target = r.stateOf('n1').tasks[0]!.target;
    // The holder's disk now has other bytes under that name.
    await r.settle(r.memory.put(holder, 'f.txt', new Uint8Array([6, 6, 6]), 'replace'));
    const rep = r.replicator('n2', 'R');
    rep.start();
    await sim.runUntil(() => (r.stateOf('n2').tasks[0]?.attempts ?? 0) >= 1, 5_000, 'a failed attempt');
    expect(r.stateOf('n2').tasks[0]!.lastError).toContain('recorded bytes');
    expect(r.memory.filesOf(serverUrl(target)).has('f.txt')).toBe(false);
    await r.settle(r.memory.put(holder, 'f.txt', bytes, 'replace'));
    await sim.runUntil(() => r.stateOf('n2').tasks.length === 0, 10_000, 'the retry completing');
    expect(r.memory.filesOf(serverUrl(target)).get('f.txt')).toEqual(bytes);
    await rep.stop();
    await sim.stop();
  });
});

describe('coordinator uploads and reads', () => {
  it('reads fall back to the next server of the shard on a miss and on an error', async () => {
    const r = new RegistrySim({ seed: SEED + 2, replay });
    await r.start();
    await r.setUpSeedShards(10_000);
    const c = r.member('n1').coordinator;
    // The shard with the most room is shard 1 (ties by id): with its first server down, the upload
    // goes to its second one (server 4) and nowhere else yet.
    r.memory.setDown(serverUrl('1'), true);
    const bytes = new Uint8Array([9, 8, 7]);
    const { shardId } = await r.settle(c.upload('c.txt', bytes));
    expect(shardId).toBe('1');
    expect(r.stateOf('n1').file('1', 'c.txt')!.holders).toEqual(['4']);
    // An error on server 1.
    expect(await r.settle(c.read('1', 'c.txt'))).toEqual(bytes);
    // A miss on server 1 (up, without the file).
    r.memory.setDown(serverUrl('1'), false);
    expect(r.memory.filesOf(serverUrl('1')).has('c.txt')).toBe(false);
    expect(await r.settle(c.read('1', 'c.txt'))).toEqual(bytes);
    // Nowhere.
    await expect(r.settle(c.read('2', 'c.txt'))).rejects.toBeInstanceOf(FileNotFoundError);
    await r.sim.stop();
  });

  it('two uploads of one name at once: the one not recorded neither overwrites nor is read as the recorded bytes', async () => {
    const r = new RegistrySim({ seed: SEED + 4, replay });
    await r.start();
    await r.setUpSeedShards(10_000);
    const first = new Uint8Array([1, 1, 1]);
    const second = new Uint8Array([2, 2, 2]);
    // Both members see the same free shard 1 and write to its first server at the same time: the
    // later write is refused there and goes to server 4, then its record is refused (the name is
    // taken in shard 1) and it moves on to the next shard. Its bytes stay on server 4 until
    // replication of the recorded file overwrites them.
    const uploads = Promise.allSettled([
      r.member('n1').coordinator.upload('same.txt', first),
      r.member('n2').coordinator.upload('same.txt', second),
    ]);
    const [a, b] = await r.settle(uploads);
    expect([a!.status, b!.status]).toContain('fulfilled');
    const recorded = [
      [a, first],
      [b, second],
    ] as const;
    const c = r.member('n3').coordinator;
    await r.settle(c.client.node.read!());

    // Before any replication, each server of each shard alone: a read returns the recorded bytes
    // or nothing, never the other upload's bytes.
    let foreign = 0;
    for (const [outcome, bytes] of recorded) {
      if (outcome!.status !== 'fulfilled') continue;
      const servers = r.stateOf('n3').shard(outcome!.value.shardId)!.serverIds;
      for (const up of servers) {
        const held = r.memory.filesOf(serverUrl(up)).get('same.txt');
        if (held !== undefined && !sameBytes(held, bytes)) foreign++;
        for (const s of servers) r.memory.setDown(serverUrl(s), s !== up);
        const read = await r.settle(c.read(outcome!.value.shardId, 'same.txt').catch((e: unknown) => e));
        if (read instanceof Uint8Array) expect(read).toEqual(bytes);
        else expect(read).toBeInstanceOf(FileNotFoundError);
      }
      for (const s of servers) r.memory.setDown(serverUrl(s), false);
    }
    // The window was there (another upload's bytes sat on a server of the recorded file's shard),
    // and each read that met them went on and counted it.
    expect(foreign).toBeGreaterThan(0);
    expect(c.readMismatches).toBe(foreign);

    const rep = r.replicator('n3', 'R');
    rep.start();
    await r.sim.runUntil(() => r.ids.every((id) => r.stateOf(id).tasks.length === 0), 10_000, 'replication');
    await rep.stop();
    for (const [outcome, bytes] of recorded) {
      if (outcome!.status !== 'fulfilled') continue;
      const { shardId } = outcome!.value;
      const servers = r.stateOf('n3').shard(shardId)!.serverIds;
      for (const s of servers) expect(r.memory.filesOf(serverUrl(s)).get('same.txt')).toEqual(bytes);
      expect(await r.settle(c.read(shardId, 'same.txt'))).toEqual(bytes);
    }
    await r.sim.stop();
  });

  it('an upload no shard takes is refused and counted as failed on every shard it tried', async () => {
    const r = new RegistrySim({ seed: SEED + 3, replay });
    await r.start();
    await r.setUpSeedShards(10_000);
    for (let s = 1; s <= 6; s++) r.memory.setDown(serverUrl(String(s)), true);
    await expect(
      r.settle(r.member('n2').coordinator.upload('d.txt', new Uint8Array(10))),
    ).rejects.toBeInstanceOf(NoShardAvailableError);
    await r.sim.runUntil(() => r.stateOf('n1').uploadsRejected === 1, 2_000, 'the failure recorded');
    expect(shardCounters(r.stateOf('n1')).map((x) => [x.shardId, x.uploadsOk, x.uploadsFailed])).toEqual([
      ['1', 0, 1],
      ['2', 0, 1],
      ['3', 0, 1],
    ]);
    // Larger than any shard's free space: no shard is even tried.
    for (let s = 1; s <= 6; s++) r.memory.setDown(serverUrl(String(s)), false);
    await expect(
      r.settle(r.member('n2').coordinator.upload('e.txt', new Uint8Array(10_001))),
    ).rejects.toBeInstanceOf(NoShardAvailableError);
    expect(r.stateOf('n2').files).toHaveLength(0);
    await r.sim.stop();
  });
});
