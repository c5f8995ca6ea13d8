/**
 * `pnpm bench --only storage-file`: @webraft/storage-file on this machine's disk (a temporary directory),
 * each figure beside its floor measured in the same run:
 * - persist latency (p50/p99) and entries/s for batches of 1, 10 and 100 entries of 100 bytes, beside
 *   the raw floor: one append of a record of the same size and one fdatasync, on a plain file;
 * - `load()` of 100,000 entries written in batches of 100;
 * - a 3-node cluster in this process (MemoryNetwork), every node on its own FileStorage: commits/s and
 *   latency at 1 and 100 in flight, beside 3 raw appends and fdatasyncs at once per round (a commit's
 *   writes, one per node, with no Raft logic).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Entry, MemoryNetwork, RaftInterface } from '@webraft/core';
import { FileStorage } from '@webraft/storage-file';
import { COMMAND, Counter } from '../lib/cluster.js';
import { fmtInt, fmtMs, fmtUs, type LatencySummary, now, summarizeMs } from '../lib/stats.js';
import type { BrowserResult, CaseSpec, TableRow } from '../lib/types.js';

/** Targets: a 1-entry batch costs at most this many raw appends+fdatasync at p50; entries/s in batches of 100. */
const TARGETS = { batch1OverFloor: 1.3, entriesPerSec100: 50_000, loadMs: 1_000 };

export function storageFileCases(quick: boolean): CaseSpec[] {
  return [{ name: 'storage-file', kind: 'storage-file', nodes: 3, ops: quick ? 200 : 2_000 }];
}

type Summary = LatencySummary & { perSec: number };
const summarize = (latencies: number[], seconds: number, perOp = 1): Summary => ({
  ...summarizeMs(Float64Array.from(latencies)),
  perSec: (latencies.length * perOp) / seconds,
});
const fig = (s: Summary, unit: string) =>
  `${fmtInt(s.perSec)} ${unit}/s  p50 ${fmtUs(s.p50Us)}  p99 ${fmtUs(s.p99Us)}`;

const payload = 'x'.repeat(100);
const entries = (from: number, count: number, term = 1): Entry[] =>
  Array.from({ length: count }, (_, k) => ({ index: from + k, term, kind: 'command', data: { v: payload } }));

/** Times `op` `count` times after `warmup` untimed calls. */
async function timed(count: number, warmup: number, op: (i: number) => Promise<void>) {
  for (let i = 0; i < warmup; i++) await op(i);
  const latencies: number[] = [];
  const start = now();
  for (let i = warmup; i < warmup + count; i++) {
    const t = now();
    await op(i);
    latencies.push(now() - t);
  }
  return { latencies, seconds: (now() - start) / 1000 };
}

/** The floor: `files` plain files, one append of `bytes` bytes and one fdatasync on each, at once, per op. */
async function rawAppends(dir: string, files: number, bytes: number, count: number, warmup: number) {
  const handles = await Promise.all(
    Array.from({ length: files }, (_, k) => open(join(dir, `raw-${files}-${bytes}-${k}`), 'w')),
  );
  const record = Buffer.alloc(bytes, 1);
  const positions = handles.map(() => 0);
  try {
    return await timed(count, warmup, async () => {
      await Promise.all(
        handles.map(async (handle, k) => {
          await handle.write(record, 0, record.length, positions[k]);
          positions[k] = (positions[k] ?? 0) + record.length;
          await handle.datasync();
        }),
      );
    });
  } finally {
    await Promise.all(handles.map((h) => h.close()));
  }
}

async function cluster(dir: string, inflight: number, ops: number, warmup: number) {
  const peers = ['a', 'b', 'c'];
  const network = new MemoryNetwork();
  const nodes = peers.map(
    (id) =>
      new RaftInterface(id, {
        peers,
        transport: network.transport(id),
        stateMachine: new Counter(),
        storage: new FileStorage(join(dir, `cluster-${inflight}-${id}`)),
      }),
  );
  const leader = new Promise<RaftInterface>((resolve) => {
    for (const node of nodes) node.listen('leader', () => resolve(node));
  });
  await Promise.all(nodes.map((n) => n.start()));
  const raft = await leader;
  const run = async (count: number) => {
    const latencies: number[] = [];
    let next = 0;
    const start = now();
    await Promise.all(
      Array.from({ length: inflight }, async () => {
        while (next < count) {
          next++;
          const t = now();
          await raft.propose(COMMAND);
          latencies.push(now() - t);
        }
      }),
    );
    return { latencies, seconds: (now() - start) / 1000 };
  };
  await run(warmup);
  const measured = await run(ops);
  await Promise.all(nodes.map((n) => n.stop()));
  return measured;
}

export async function runStorageFile(spec: CaseSpec): Promise<BrowserResult> {
  const scale = (spec.ops ?? 2_000) / 2_000;
  const n = (full: number) => Math.max(20, Math.round(full * scale));
  const dir = mkdtempSync(join(tmpdir(), 'webraft-bench-file-'));
  try {
    // The record a 1-entry batch appends is about 170 bytes (header, V8 serialization of the batch).
    const floor = await rawAppends(dir, 1, 170, n(2_000), n(200));
    const floorSummary = summarize(floor.latencies, floor.seconds);
    const batches: Record<number, Summary> = {};
    for (const [size, count] of [
      [1, 2_000],
      [10, 1_000],
      [100, 400],
    ] as const) {
      const storage = new FileStorage(join(dir, `batches-${size}`));
      await storage.load();
      const run = await timed(n(count), n(count / 10), (i) =>
        storage.persist({ entries: entries(1 + i * size, size) }),
      );
      await storage.close();
      batches[size] = summarize(run.latencies, run.seconds, size);
    }

    const loadDir = join(dir, 'load');
    const writer = new FileStorage(loadDir, { sync: false });
    for (let i = 0; i < 1_000; i++) await writer.persist({ entries: entries(1 + i * 100, 100) });
    await writer.close();
    const loadMs: number[] = [];
    for (let trial = 0; trial < 3; trial++) {
      const reader = new FileStorage(loadDir);
      const t = now();
      const state = await reader.load();
      loadMs.push(now() - t);
      if (state.entries.length !== 100_000) throw new Error(`loaded ${state.entries.length} entries`);
      await reader.close();
    }
    const loadMedian = [...loadMs].sort((a, b) => a - b)[1] as number;

    const c1 = await cluster(dir, 1, n(1_000), n(100));
    const c100 = await cluster(dir, 100, n(5_000), n(500));
    const f1 = await rawAppends(dir, 3, 170, n(1_000), n(100));
    const cluster1 = summarize(c1.latencies, c1.seconds);
    const cluster100 = summarize(c100.latencies, c100.seconds);
    const clusterFloor1 = summarize(f1.latencies, f1.seconds);

    const batch1Target = TARGETS.batch1OverFloor * floorSummary.p50Us;
    const rows: TableRow[] = [
      {
        benchmark: 'FileStorage (Node, fsync), persist batches of 1',
        figure: fig(batches[1] as Summary, 'entries'),
        floor: `raw append + fdatasync: ${fig(floorSummary, 'writes')}`,
        target: `p50 <= ${TARGETS.batch1OverFloor}x floor (${fmtUs(batch1Target)})`,
        met: (batches[1] as Summary).p50Us <= batch1Target,
      },
      {
        benchmark: 'FileStorage (Node, fsync), persist batches of 100',
        figure: fig(batches[100] as Summary, 'entries'),
        floor: `raw append + fdatasync: ${fig(floorSummary, 'writes')}`,
        target: `>= ${fmtInt(TARGETS.entriesPerSec100)} entries/s`,
        met: (batches[100] as Summary).perSec >= TARGETS.entriesPerSec100,
      },
      {
        benchmark: 'FileStorage (Node), load() of 100,000 entries',
        figure: fmtMs(loadMedian),
        floor: '-',
        target: `<= ${fmtMs(TARGETS.loadMs)}`,
        met: loadMedian <= TARGETS.loadMs,
      },
      {
        benchmark: 'FileStorage (Node, fsync), 3 nodes in one process, commits 1 in flight',
        figure: fig(cluster1, 'commits'),
        floor: `3 raw appends + fdatasync at once per round: ${fig(clusterFloor1, 'rounds')}`,
        target: '-',
        met: null,
      },
      {
        benchmark: 'FileStorage (Node, fsync), 3 nodes in one process, commits 100 in flight',
        figure: fig(cluster100, 'commits'),
        floor: `3 raw appends + fdatasync at once per round: ${fig(clusterFloor1, 'rounds')}`,
        target: '-',
        met: null,
      },
    ];
    const details = [
      `${spec.name}  persist batches of 100-byte entries (latency per batch), in ${tmpdir()}:`,
      ...Object.entries(batches).map(
        ([size, s]) =>
          `  batch ${size.padStart(4)}: ${fig(s, 'entries')}  (p50 ${(s.p50Us / floorSummary.p50Us).toFixed(2)}x the raw append + fdatasync)`,
      ),
      `  load() of 100,000 entries: ${loadMs.map((ms) => fmtMs(ms)).join(', ')} (median ${fmtMs(loadMedian)})`,
    ];
    return {
      name: spec.name,
      kind: 'storage-file',
      nodes: 3,
      rows,
      details,
      figures: {
        floor: floorSummary,
        batches,
        loadMs,
        cluster1,
        cluster100,
        clusterFloor1,
        targets: TARGETS,
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
