/**
 * The storage benchmark page (bench/browser/storage.ts drives it), cross-origin isolated so
 * `performance.now()` has 5 us steps. For the adapter named in each call (adapters.ts): batch append
 * latency and throughput, `load()` of a long log, and a 3-node cluster in this page with every node on
 * that adapter; each beside the raw floor measured here. Times are ms.
 */
import { type Entry, MemoryNetwork, type RaftInterface } from '@webraft/core';
import { BenchRaft, Counter, closedLoop, type Run } from '../bench-node.js';
import { ADAPTERS, type BenchAdapter } from './adapters.js';

const DATA = 'x'.repeat(100); // each entry carries 100 bytes
const entryAt = (index: number): Entry => ({ index, term: 1, kind: 'command', data: DATA });
const scratch = (label: string) =>
  `bench-${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;

function adapterOf(name: string): BenchAdapter {
  const adapter = ADAPTERS[name];
  if (!adapter) throw new Error(`no storage adapter ${name} in e2e/pages/storage-bench/adapters.ts`);
  return adapter;
}

/** The floor: `ops` bare writes of one entry each, one after the other, after `warmup`. */
async function rawPuts(name: string, ops: number, warmup: number): Promise<Run> {
  const adapter = adapterOf(name);
  const store = scratch('raw');
  const writer = await adapter.raw(store);
  const latencies: number[] = [];
  let start = 0;
  for (let i = 1; i <= ops + warmup; i++) {
    if (i === warmup + 1) start = performance.now();
    const t0 = performance.now();
    await writer.write(entryAt(i));
    if (i > warmup) latencies.push(performance.now() - t0);
  }
  const seconds = (performance.now() - start) / 1000;
  await writer.close();
  await adapter.destroyRaw(store);
  return { latencies, seconds };
}

/** `persist` of `batches` batches of `size` entries (after `warmup` batches), one after the other. */
async function appendBatches(name: string, size: number, batches: number, warmup: number): Promise<Run> {
  const adapter = adapterOf(name);
  const namespace = scratch('append');
  const storage = adapter.make('n', namespace);
  await storage.load();
  const latencies: number[] = [];
  let next = 1;
  let start = 0;
  for (let b = 0; b < batches + warmup; b++) {
    const entries = Array.from({ length: size }, (_, k) => entryAt(next + k));
    next += size;
    if (b === warmup) start = performance.now();
    const t0 = performance.now();
    await storage.persist({ entries });
    if (b >= warmup) latencies.push(performance.now() - t0);
  }
  const seconds = (performance.now() - start) / 1000;
  await storage.close?.();
  await adapter.destroy('n', namespace);
  return { latencies, seconds };
}

/** Writes `count` entries in batches of `batch`, then times `load()` of a new handle `trials` times. */
async function loadLog(name: string, count: number, batch: number, trials: number) {
  const adapter = adapterOf(name);
  const namespace = scratch('load');
  const writer = adapter.make('n', namespace);
  await writer.load();
  for (let first = 1; first <= count; first += batch) {
    const entries = Array.from({ length: Math.min(batch, count - first + 1) }, (_, k) => entryAt(first + k));
    await writer.persist({ entries });
  }
  await writer.close?.();
  const ms: number[] = [];
  for (let t = 0; t < trials; t++) {
    const reader = adapter.make('n', namespace);
    const t0 = performance.now();
    const state = await reader.load();
    ms.push(performance.now() - t0);
    if (state.entries.length !== count) throw new Error(`loaded ${state.entries.length} of ${count} entries`);
    await reader.close?.();
  }
  await adapter.destroy('n', namespace);
  return { ms };
}

/** A 3-node cluster in this page over MemoryNetwork, each node on the adapter: closed-loop proposals on the leader. */
async function cluster(name: string, inflight: number, ops: number, warmup: number): Promise<Run> {
  const adapter = adapterOf(name);
  const namespace = scratch('cluster');
  const peers = ['a', 'b', 'c'];
  const network = new MemoryNetwork();
  const nodes = peers.map(
    (id) =>
      new BenchRaft(id, {
        peers,
        transport: network.transport(id),
        stateMachine: new Counter(),
        storage: adapter.make(id, namespace),
      }),
  );
  const elected = new Promise<RaftInterface>((resolve) => {
    for (const node of nodes) node.listen('leader', () => resolve(node));
  });
  await Promise.all(nodes.map((node) => node.start()));
  const leader = await elected;
  const run = await closedLoop(inflight, ops, warmup, () => leader.propose({ op: 'inc' }));
  if (leader.state !== 'leader') throw new Error('leadership changed during the run');
  await Promise.all(nodes.map((node) => node.stop()));
  for (const id of peers) await adapter.destroy(id, namespace);
  return run;
}

/**
 * The cluster's floor: what a commit must write at the least, with no Raft logic. Each round writes
 * one entry on each of three stores at once (the leader's and two followers'), `inflight` rounds
 * outstanding.
 */
async function clusterFloor(name: string, inflight: number, ops: number, warmup: number): Promise<Run> {
  const adapter = adapterOf(name);
  const stores = [scratch('floor-a'), scratch('floor-b'), scratch('floor-c')];
  const writers = await Promise.all(stores.map((store) => adapter.raw(store)));
  const run = await closedLoop(inflight, ops, warmup, (i) =>
    Promise.all(writers.map((writer) => writer.write(entryAt(i + 1)))),
  );
  for (const writer of writers) await writer.close();
  for (const store of stores) await adapter.destroyRaw(store);
  return run;
}

(window as unknown as { bench: unknown }).bench = { rawPuts, appendBatches, loadLog, cluster, clusterFloor };
document.body.dataset.ready = 'true';
