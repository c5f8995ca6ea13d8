/**
 * `pnpm bench --only replicator`: @webraft/replicator over MemoryNetwork (which carries each message as
 * JSON), each figure beside a raw copy of the same keys measured in the same run:
 * - keys/s replicated from one replica to another (one whole pull of 10,000 keys with 100-byte values,
 *   pages of 500), on memory-level and on classic-level (a temporary directory), and the bytes (JSON
 *   characters) sent per key; the floor reads the same keys from the source store and writes them into a
 *   fresh store of the same kind, in pages of 500 that go through JSON.stringify and JSON.parse (what any
 *   copy over the wire does), with the bytes of those pages;
 * - 5 replicas on memory-level, 2,000 writes each made apart (10,000 keys), then every replica pulls from
 *   every other: the time until all 5 hold all 10,000 keys, and the bytes sent per key written; the
 *   floor copies each replica's 2,000 keys into each of the 4 others the raw way.
 * Each figure is the median of `trials` runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryNetwork, type MessageSink, NodeInstance, type Transport } from '@webraft/core';
import { type Level, type RangeOptions, type ReplicatedDb, replicate } from '@webraft/replicator';
import { ClassicLevel } from 'classic-level';
import { MemoryLevel } from 'memory-level';
import { fmtInt, fmtMs, median, now, round } from '../lib/stats.js';
import type { BrowserResult, CaseSpec, TableRow } from '../lib/types.js';

export function replicatorCases(quick: boolean): CaseSpec[] {
  return [
    { name: 'replicator', kind: 'replicator', nodes: 5, ops: quick ? 2_000 : 10_000, trials: quick ? 1 : 3 },
  ];
}

const PAGE = 500;
const value = (i: number) => ({ i, v: 'x'.repeat(100) });

/** Counts the JSON characters of every message a transport sends. */
class CountingInstance extends NodeInstance {
  constructor(
    readonly inner: NodeInstance,
    readonly counter: { chars: number },
  ) {
    super(inner.address, inner.raft);
  }
  write(payload: unknown): void {
    this.counter.chars += JSON.stringify(payload).length;
    this.inner.write(payload);
  }
  override close(): void {
    this.inner.close();
  }
}

function counting(inner: Transport, counter: { chars: number }): Transport {
  return {
    open: (sink: MessageSink) => inner.open(sink),
    createInstance: (address: string) => new CountingInstance(inner.createInstance(address), counter),
    close: () => inner.close(),
  };
}

/** Stores of one kind: memory-level, or classic-level in a temporary directory. */
interface StoreKind {
  name: string;
  make(): Level;
  cleanup(): void;
}

function memoryKind(): StoreKind {
  return { name: 'memory-level', make: () => new MemoryLevel(), cleanup: () => undefined };
}

function classicKind(): StoreKind {
  const dir = mkdtempSync(join(tmpdir(), 'webraft-bench-replicator-'));
  let n = 0;
  return {
    name: 'classic-level',
    make: () => new ClassicLevel(join(dir, `db${n++}`)),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Replicas that exchange only when told to (no peers, no discovery, no background rounds). */
function quietReplica(
  level: Level,
  id: string,
  network: MemoryNetwork,
  counter: { chars: number },
  peers: string[] = [],
): ReplicatedDb {
  return replicate(level, {
    id,
    transport: counting(network.transport(id), counter),
    peers,
    discovery: false,
    pageRecords: PAGE,
    minIntervalMs: 60_000,
    maxIntervalMs: 60_000,
  });
}

async function fill(db: ReplicatedDb, prefix: string, count: number): Promise<void> {
  for (let i = 0; i < count; i += 1_000) {
    const n = Math.min(1_000, count - i);
    await db.batch(
      Array.from({ length: n }, (_, k) => ({
        type: 'put' as const,
        key: `${prefix}${i + k}`,
        value: value(i + k),
      })),
    );
  }
}

/** The floor: copy the keys of `from` (in `range`) into `to` in JSON pages of PAGE. Returns the characters of the pages. */
async function rawCopy(from: ReplicatedDb, to: Level, range: RangeOptions = {}): Promise<number> {
  let chars = 0;
  let page: [string, unknown][] = [];
  const flush = async () => {
    const json = JSON.stringify(page);
    chars += json.length;
    const pairs = JSON.parse(json) as [string, unknown][];
    await to.batch(
      pairs.map(([key, v]) => ({ type: 'put', key, value: v })),
      { valueEncoding: 'json' },
    );
    page = [];
  };
  for await (const pair of from.iterator(range)) {
    page.push(pair as [string, unknown]);
    if (page.length === PAGE) await flush();
  }
  if (page.length > 0) await flush();
  return chars;
}

interface PairRun {
  keysPerSec: number;
  bytesPerKey: number;
  rawKeysPerSec: number;
  rawBytesPerKey: number;
}

async function pairRun(kind: StoreKind, keys: number): Promise<PairRun> {
  const network = new MemoryNetwork();
  const counter = { chars: 0 };
  const a = quietReplica(kind.make(), 'a', network, counter);
  const b = quietReplica(kind.make(), 'b', network, counter);
  await Promise.all([a.ready, b.ready]);
  await fill(a, 'k', keys);
  counter.chars = 0;
  const start = now();
  await b.sync('a');
  const seconds = (now() - start) / 1000;
  const bytes = counter.chars;
  let held = 0;
  for await (const _ of b.keys()) held++;
  if (held !== keys) throw new Error(`replicated ${held} of ${keys} keys`);

  const target = kind.make();
  const rawStart = now();
  const rawChars = await rawCopy(a, target);
  const rawSeconds = (now() - rawStart) / 1000;
  await Promise.all([a.close(), b.close(), target.close()]);
  return {
    keysPerSec: round(keys / seconds),
    bytesPerKey: round(bytes / keys, 1),
    rawKeysPerSec: round(keys / rawSeconds),
    rawBytesPerKey: round(rawChars / keys, 1),
  };
}

interface ConvergeRun {
  /** The codes of the exchange errors seen (pulls that timed out on a busy machine are retried). */
  errors: string;
  ms: number;
  bytesPerKey: number;
  rawMs: number;
  rawBytesPerKey: number;
}

async function convergeRun(writes: number): Promise<ConvergeRun> {
  const ids = ['r0', 'r1', 'r2', 'r3', 'r4'];
  const each = writes / ids.length;
  const network = new MemoryNetwork();
  const counter = { chars: 0 };
  const dbs = ids.map((id) => quietReplica(new MemoryLevel(), id, network, counter));
  await Promise.all(dbs.map((db) => db.ready));
  await Promise.all(dbs.map((db, i) => fill(db, `${ids[i]}-`, each)));
  counter.chars = 0;
  // Each replica must apply the 4 x `each` keys it did not write; a key is applied once per replica
  // (a copy relayed by a third replica arrives with the version already held and is skipped).
  const applied = dbs.map(() => 0);
  const errors: string[] = [];
  for (const db of dbs) db.on('error', (e) => errors.push((e as { code?: string }).code ?? e.message));
  const start = now();
  const converged = new Promise<number>((resolve) => {
    for (const [i, db] of dbs.entries()) {
      db.on('sync', (r) => {
        applied[i] = (applied[i] ?? 0) + r.applied;
        if (applied.every((n) => n >= writes - each)) resolve(now());
      });
    }
  });
  const pulls = dbs.flatMap((db) => ids.filter((id) => id !== db.id).map((id) => db.sync(id)));
  const end = await converged;
  const bytes = counter.chars;
  await Promise.all(pulls);
  for (const db of dbs) {
    let held = 0;
    for await (const _ of db.keys()) held++;
    if (held !== writes) throw new Error(`${db.id} holds ${held} of ${writes} keys`);
  }

  const targets = ids.map(() => new MemoryLevel());
  const rawStart = now();
  let rawChars = 0;
  // Only the keys `from` wrote (`r<i>-...`; '.' follows '-'), as the replicas exchanged.
  for (const [i, from] of dbs.entries())
    for (const [j, to] of targets.entries())
      if (i !== j) rawChars += await rawCopy(from, to, { gte: `${ids[i]}-`, lt: `${ids[i]}.` });
  const rawMs = now() - rawStart;
  await Promise.all([...dbs.map((db) => db.close()), ...targets.map((t) => t.close())]);
  return {
    ms: round(end - start, 1),
    bytesPerKey: round(bytes / writes, 1),
    rawMs: round(rawMs, 1),
    rawBytesPerKey: round(rawChars / writes, 1),
    errors: [...new Set(errors)].join(', ') || 'none',
  };
}

export async function runReplicator(spec: CaseSpec): Promise<BrowserResult> {
  const keys = spec.ops ?? 10_000;
  const trials = spec.trials ?? 3;
  const rows: TableRow[] = [];
  const details: string[] = [];
  const figures: Record<string, unknown> = {};
  for (const makeKind of [memoryKind, classicKind]) {
    const kind = makeKind();
    try {
      const runs: PairRun[] = [];
      for (let t = 0; t < trials; t++) runs.push(await pairRun(kind, keys));
      const fig = {
        keysPerSec: median(runs.map((r) => r.keysPerSec)),
        bytesPerKey: median(runs.map((r) => r.bytesPerKey)),
        rawKeysPerSec: median(runs.map((r) => r.rawKeysPerSec)),
        rawBytesPerKey: median(runs.map((r) => r.rawBytesPerKey)),
      };
      figures[`pair-${kind.name}`] = { ...fig, keys, runs };
      rows.push({
        benchmark: `replicator, 2 replicas, ${kind.name}, ${fmtInt(keys)} keys`,
        figure: `${fmtInt(fig.keysPerSec)} keys/s, ${fig.bytesPerKey} B/key`,
        floor: `raw copy: ${fmtInt(fig.rawKeysPerSec)} keys/s, ${fig.rawBytesPerKey} B/key`,
        target: '',
        met: null,
      });
      details.push(
        `replicator ${kind.name}: keys/s per trial ${runs.map((r) => fmtInt(r.keysPerSec)).join(', ')}; raw ${runs.map((r) => fmtInt(r.rawKeysPerSec)).join(', ')}`,
      );
    } finally {
      kind.cleanup();
    }
  }
  const runs: ConvergeRun[] = [];
  for (let t = 0; t < trials; t++) runs.push(await convergeRun(keys));
  const fig = {
    ms: median(runs.map((r) => r.ms)),
    bytesPerKey: median(runs.map((r) => r.bytesPerKey)),
    rawMs: median(runs.map((r) => r.rawMs)),
    rawBytesPerKey: median(runs.map((r) => r.rawBytesPerKey)),
  };
  figures.converge5 = { ...fig, writes: keys, runs };
  rows.push({
    benchmark: `replicator, 5 replicas converge after ${fmtInt(keys)} writes (memory-level)`,
    figure: `${fmtMs(fig.ms)}, ${fig.bytesPerKey} B/key written`,
    floor: `raw copies to the 4 others: ${fmtMs(fig.rawMs)}, ${fig.rawBytesPerKey} B/key`,
    target: '',
    met: null,
  });
  details.push(
    `replicator converge5: ms per trial ${runs.map((r) => r.ms).join(', ')}; raw ${runs.map((r) => r.rawMs).join(', ')}`,
  );
  return { name: spec.name, kind: 'replicator', nodes: spec.nodes, rows, details, figures };
}
