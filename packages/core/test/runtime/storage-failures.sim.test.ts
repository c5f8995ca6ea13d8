import { describe, expect, it } from 'vitest';
import { RaftInterface } from '../../src/api/raft-interface.js';
import {
  NodeStoppedError,
  OutcomeUnknownError,
  RaftError,
  StorageCorruptError,
  StorageError,
  StorageQuotaError,
} from '../../src/errors.js';
import { STORAGE_RETRY_FIRST_MS } from '../../src/runtime/storage-retry.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import { Simulation } from '../../src/testing/index.js';

const replay = 'pnpm vitest run packages/core/test/runtime/storage-failures.sim.test.ts';

async function cluster(seed: number): Promise<{ sim: Simulation; leader: string }> {
  const sim = new Simulation({ seed, nodes: ['a', 'b', 'c'], replay });
  await sim.start();
  return { sim, leader: await sim.waitForLeader() };
}

function errorsOf(raft: RaftInterface): unknown[] {
  const errors: unknown[] = [];
  raft.listen('error', (e) => errors.push(e));
  return errors;
}

describe('a fatal storage error halts the node', () => {
  it('the leader whose disk is full fails: error event, state failed, requests rejected, nothing sent', async () => {
    const { sim, leader } = await cluster(1);
    const raft = sim.raft(leader);
    const errors = errorsOf(raft);
    const quota = new StorageQuotaError('no room left', { bytesInUse: 10, quota: 10 });
    sim.storageOf(leader).failNextPersist(quota);
    const { result } = sim.propose(leader);
    const outcome = result.then(
      () => null,
      (e: unknown) => e,
    );
    let sentAfter = 0;
    let failedAt = Number.POSITIVE_INFINITY;
    const observe = sim.network.onSend;
    sim.network.onSend = (from, to, payload) => {
      observe?.(from, to, payload);
      if (from === leader && sim.clock.now() >= failedAt) sentAfter++;
    };
    await sim.runUntil(() => raft.state === 'failed', 1_000, 'the leader failing');
    failedAt = sim.clock.now();
    expect(errors).toEqual([quota]);
    const error = await outcome;
    // The entry was appended but not durable: its outcome is unknown (a new leader may still have it).
    expect(error).toBeInstanceOf(OutcomeUnknownError);
    await expect(raft.propose({ id: 'late' })).rejects.toBeInstanceOf(NodeStoppedError);
    await expect(raft.read()).rejects.toBeInstanceOf(NodeStoppedError);
    const writes = sim.storageOf(leader).writes;
    // The others elect a new leader and go on committing; the failed node writes and sends nothing.
    await sim.runFor(1_000);
    const next = sim.leader();
    expect(next).not.toBeNull();
    expect(next).not.toBe(leader);
    const fresh = sim.propose(next!);
    await sim.runUntil(
      () => sim.acknowledged.has(fresh.command),
      2_000,
      'committing without the failed node',
    );
    expect(sim.storageOf(leader).writes).toBe(writes);
    expect(sentAfter).toBe(0);
    expect(raft.state).toBe('failed');
    await expect(raft.stop()).resolves.toBeUndefined();
    await sim.stop();
  });

  it('a corrupt record found when loading makes start() reject with that StorageError', async () => {
    const corrupt = new StorageCorruptError('entry 7', 'not an object');
    const storage = Object.assign(new MemoryStorage(), { load: () => Promise.reject(corrupt) });
    const raft = new RaftInterface('a', { peers: ['a'], storage });
    await expect(raft.start()).rejects.toBe(corrupt);
    expect(raft.state).toBe('failed');
  });

  it('a load() that throws something else is wrapped as a StorageError', async () => {
    const storage = Object.assign(new MemoryStorage(), { load: () => Promise.reject(new TypeError('oops')) });
    const raft = new RaftInterface('a', { peers: ['a'], storage });
    const error = await raft.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).code).toBe('IO');
    expect((error as StorageError).cause).toBeInstanceOf(TypeError);
  });
});

describe('a transient storage error is retried with backoff', () => {
  it('a follower whose write fails once reports it once, retries after the backoff and catches up', async () => {
    const { sim, leader } = await cluster(2);
    const follower = sim.ids.find((id) => id !== leader)!;
    const raft = sim.raft(follower);
    const errors = errorsOf(raft);
    const storage = sim.storageOf(follower);
    const failure = new StorageError('transaction aborted', 'IO');
    storage.failNextPersist(failure);
    const before = storage.writes;
    const { command } = sim.propose(leader);
    await sim.runUntil(() => errors.length > 0, 1_000, 'the failure being reported');
    const failedAt = sim.clock.now();
    expect(errors).toEqual([failure]);
    await sim.runUntil(() => storage.writes > before + 1, 1_000, 'the retry');
    // The retry waited at least half the first backoff (the jitter draws from [d/2, d)).
    expect(sim.clock.now() - failedAt).toBeGreaterThanOrEqual(STORAGE_RETRY_FIRST_MS / 2);
    expect(sim.clock.now() - failedAt).toBeLessThan(STORAGE_RETRY_FIRST_MS + 5); // + the write's own latency
    await sim.runUntil(() => sim.acknowledged.has(command), 2_000, 'the commit');
    await sim.converge();
    expect(raft.state).toBe('follower');
    expect(errors).toHaveLength(1);
    expect(errors.every((e) => e instanceof RaftError)).toBe(true);
    sim.checkFinal();
    await sim.stop();
  });
});
