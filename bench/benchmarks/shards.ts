/**
 * `pnpm bench --only shards`: the backpack-coordinator service of @webraft/shards-node on loopback, in
 * this process: a relay, 3 coordinator members (each a Raft node on FileStorage with fsync, talking
 * through the relay) and 6 HTTP storage servers in shards of 2. Each figure beside its floor, measured
 * in the same run:
 * - uploads/s of 4 KB and 1 MB files (`PUT /<name>` round-robin over the 3 coordinators, 16 in flight),
 *   beside the raw HTTP put floor: the same files put straight to the storage servers, 16 in flight
 *   (an upload is that put plus one committed registry entry);
 * - the replication queue's drain rate with 1 and 4 replicators (copies/s from the first claim to an
 *   empty queue), beside the raw copy floor: a GET from one storage server and a PUT to another, one at
 *   a time per replicator (a replicated task is that copy plus two committed entries, claim and complete).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRelayServer } from '@webraft/server';
import { ShardReplicator } from '@webraft/shards';
import {
  type CoordinatorMember,
  HttpBlobStore,
  type StorageServer,
  startCoordinatorMember,
  startStorageServer,
} from '@webraft/shards-node';
import { closedLoopOf } from '../lib/cluster.js';
import { fmtInt, fmtUs, now, summarizeMs } from '../lib/stats.js';
import type { BrowserResult, CaseSpec, TableRow } from '../lib/types.js';

export function shardsCases(quick: boolean): CaseSpec[] {
  return [{ name: 'shards', kind: 'shards', nodes: 3, ops: quick ? 100 : 1_000 }];
}

const INFLIGHT = 16;

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Runs `op(i)` for i < count with `inflight` at once (the shared closed loop); latencies in ms and the elapsed seconds. */
async function closedLoop(count: number, inflight: number, op: (i: number) => Promise<void>) {
  const latencies = new Float64Array(count);
  const start = now();
  await closedLoopOf(op, inflight, count, latencies);
  return { latencies, seconds: (now() - start) / 1000 };
}

interface Figure {
  perSec: number;
  p50Us: number;
  p99Us: number;
  count: number;
}
const figure = (r: { latencies: Float64Array; seconds: number }): Figure => {
  const s = summarizeMs(r.latencies);
  return {
    perSec: r.latencies.length / r.seconds,
    p50Us: s.p50Us,
    p99Us: s.p99Us,
    count: r.latencies.length,
  };
};
const show = (f: Figure, unit: string) =>
  `${fmtInt(f.perSec)} ${unit}/s  p50 ${fmtUs(f.p50Us)}  p99 ${fmtUs(f.p99Us)}`;

async function put(url: string, bytes: Uint8Array, createOnly: boolean): Promise<void> {
  const res = await fetch(url, {
    method: 'PUT',
    body: bytes,
    headers: createOnly ? { 'if-none-match': '*' } : {},
  });
  const body = await res.text();
  if (!res.ok) throw new Error(`PUT ${url}: ${res.status} ${body}`);
}

export async function runShards(spec: CaseSpec): Promise<BrowserResult> {
  const ops = spec.ops ?? 1_000;
  const dir = mkdtempSync(join(tmpdir(), 'webraft-bench-shards-'));
  const relay = await startRelayServer({ port: 0 });
  const servers: StorageServer[] = [];
  const members: CoordinatorMember[] = [];
  const extra: ShardReplicator[] = [];
  try {
    for (let i = 1; i <= 6; i++) servers.push(await startStorageServer({ dir: join(dir, `storage-${i}`) }));
    const peers = ['c1', 'c2', 'c3'];
    for (const id of peers)
      members.push(
        await startCoordinatorMember({
          id,
          peers,
          dataDir: join(dir, id),
          relay: relay.url,
          room: 'bench-shards',
          replicator: false,
        }),
      );
    await until(() => members.some((m) => m.raft.state === 'leader'), 30_000, 'a leader');
    const admin = members[0]!.client;
    for (let i = 1; i <= 6; i++) await admin.addServer(String(i), servers[i - 1]!.url);
    for (const [id, ids] of [
      ['1', '1,4'],
      ['2', '2,5'],
      ['3', '3,6'],
    ] as const) {
      await admin.addShard(id, ids, '1tb');
      await admin.enableShard(id);
    }
    await until(
      () => members.every((m) => m.registry.state.shards.every((s) => !s.readOnly)),
      10_000,
      'shards',
    );

    const upload = (prefix: string, bytes: Uint8Array) => (i: number) =>
      put(`${members[i % 3]!.url}/${prefix}-${i}`, bytes, false).then(() => undefined);
    const raw = (prefix: string, bytes: Uint8Array) => (i: number) =>
      put(`${servers[i % 6]!.url}/${prefix}-${i}`, bytes, true);

    const small = new Uint8Array(4 * 1024).fill(7);
    const large = new Uint8Array(1024 * 1024).fill(9);
    const largeOps = Math.max(20, Math.round(ops / 10));
    // Warm-up: connections, JIT.
    await closedLoop(50, INFLIGHT, raw('warm-raw', small));
    await closedLoop(50, INFLIGHT, upload('warm', small));
    const rawSmall = figure(await closedLoop(ops, INFLIGHT, raw('raw4k', small)));
    const upSmall = figure(await closedLoop(ops, INFLIGHT, upload('up4k', small)));
    const rawLarge = figure(await closedLoop(largeOps, INFLIGHT, raw('raw1m', large)));
    const upLarge = figure(await closedLoop(largeOps, INFLIGHT, upload('up1m', large)));

    // The queue now holds one task per upload (shards of 2). Drain part of it with 1 replicator, the
    // rest with 4 (spread over the members), timing each from start to its share done.
    const tasks = () => members[0]!.registry.state.tasks.length;
    const blobs = new HttpBlobStore();
    const drain = async (count: number, replicators: number) => {
      const target = tasks() - count;
      const started = Array.from({ length: replicators }, (_, k) => {
        const m = members[k % 3]!;
        const r = new ShardReplicator(m.client, m.registry, blobs, { id: `bench-${replicators}-${k}` });
        extra.push(r);
        return r;
      });
      const t = now();
      for (const r of started) r.start();
      await until(() => tasks() <= target, 600_000, `${count} copies`);
      const seconds = (now() - t) / 1000;
      await Promise.all(started.map((r) => r.stop()));
      return { copies: count - (tasks() - target), perSec: count / seconds, seconds };
    };
    const queued = tasks();
    const drainCount = Math.max(20, Math.floor(Math.min(queued / 2, ops / 2)));
    const drain1 = await drain(drainCount, 1);
    const drain4 = await drain(Math.min(drainCount, tasks()), 4);

    // The copy floor: GET from one server, PUT to another, 1 and 4 copiers, each one at a time.
    const copy = (prefix: string) => async (i: number) => {
      const res = await fetch(`${servers[i % 6]!.url}/raw4k-${i % ops}`);
      const bytes = new Uint8Array(await res.arrayBuffer());
      await put(`${servers[(i + 3) % 6]!.url}/${prefix}-${i}`, bytes, false);
    };
    const copy1 = figure(await closedLoop(drainCount, 1, copy('copy1')));
    const copy4 = figure(await closedLoop(drainCount, 4, copy('copy4')));

    const rows: TableRow[] = [
      {
        benchmark: 'shards: uploads of 4 KB through 3 coordinators (16 in flight)',
        figure: show(upSmall, 'uploads'),
        floor: `raw HTTP put to the storage servers: ${show(rawSmall, 'puts')}`,
        target: '-',
        met: null,
      },
      {
        benchmark: 'shards: uploads of 1 MB through 3 coordinators (16 in flight)',
        figure: show(upLarge, 'uploads'),
        floor: `raw HTTP put to the storage servers: ${show(rawLarge, 'puts')}`,
        target: '-',
        met: null,
      },
      {
        benchmark: 'shards: replication queue drain, 1 replicator (4 KB files)',
        figure: `${fmtInt(drain1.perSec)} copies/s`,
        floor: `raw GET + PUT, 1 at a time: ${show(copy1, 'copies')}`,
        target: '-',
        met: null,
      },
      {
        benchmark: 'shards: replication queue drain, 4 replicators (4 KB files)',
        figure: `${fmtInt(drain4.perSec)} copies/s`,
        floor: `raw GET + PUT, 4 at once: ${show(copy4, 'copies')}`,
        target: '-',
        met: null,
      },
    ];
    return {
      name: spec.name,
      kind: 'shards',
      nodes: 3,
      rows,
      details: [
        `${spec.name}: 3 members (FileStorage, fsync) through a relay, 6 storage servers, loopback, one process;`,
        `  ${ops} uploads of 4 KB, ${largeOps} of 1 MB; drains of ${drainCount} tasks from a queue of ${queued}`,
      ],
      figures: {
        upSmall,
        rawSmall,
        upLarge,
        rawLarge,
        drain1,
        drain4,
        copy1,
        copy4,
        ops,
        largeOps,
        drainCount,
      },
    };
  } finally {
    await Promise.all(extra.map((r) => r.stop()));
    for (const m of members) await m.stop();
    await Promise.all(servers.map((s) => s.close()));
    await relay.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
