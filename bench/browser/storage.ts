/**
 * `pnpm bench --only browser-storage` (or `browser-storage-indexeddb`, `browser-storage-localstorage`):
 * the storage adapters in Chromium, in one cross-origin isolated page (e2e/pages/storage-bench/bench.ts,
 * adapters in adapters.ts beside it), each beside its floor measured in the same page and run:
 * - batch append latency (p50/p99) and entries/s for batches of 1, 10, 100 and 1,000 entries of 100
 *   bytes, beside one bare write per transaction (for IndexedDB: one put, strict durability; for
 *   localStorage: one setItem);
 * - `load()` of 100,000 entries (written in batches of 100), or of what fits an adapter's `entryBudget`
 *   (localStorage holds about 5 Mi characters);
 * - a 3-node cluster in the page (MemoryNetwork), every node on the adapter: commits/s and latency at
 *   1 and 100 in flight, beside the floor of a commit's writes (one bare write on each of three stores
 *   at once per round).
 * To add an adapter: an entry in e2e/pages/storage-bench/adapters.ts and one in `STORAGE_ADAPTERS` here.
 */
import type { Page } from 'playwright-core';
import { fmtInt, fmtMs, fmtUs, type LatencySummary, summarizeMs } from '../lib/stats.js';
import type { BrowserResult, CaseSpec, TableRow } from '../lib/types.js';
import { startBrowserBench } from './chromium.js';

interface AdapterTargets {
  /** p50 of a 1-entry batch, at most this many times the raw write's p50. */
  batch1OverFloor: number;
  /** Entries/s in batches of 100, at least. */
  entriesPerSec100: number;
  /** `load()` of the long log (100,000 entries, or `entryBudget`), at most (ms). */
  loadMs: number;
}

interface AdapterSpec {
  label: string;
  targets: AdapterTargets;
  /**
   * Entries of 100 bytes one store holds at most (default: no limit). Runs that would write more
   * write fewer batches, and `load()` reads a log of this many entries at most.
   */
  entryBudget?: number;
}

/** The adapters measured (names as in e2e/pages/storage-bench/adapters.ts), with their targets. */
export const STORAGE_ADAPTERS: Record<string, AdapterSpec> = {
  indexeddb: {
    label: 'IndexedDB',
    targets: { batch1OverFloor: 1.5, entriesPerSec100: 20_000, loadMs: 1_000 },
  },
  localstorage: {
    label: 'localStorage',
    // A batch writes at least a record and the head (two setItem) and reads the head once: 3x one
    // bare setItem. load() reads the 20,000 entries that fit, at IndexedDB's rate (100,000 in 1 s).
    targets: { batch1OverFloor: 3, entriesPerSec100: 20_000, loadMs: 200 },
    // Chromium holds 5 Mi characters per origin; an entry of 100 bytes is about 150 of JSON.
    entryBudget: 20_000,
  },
};

const CASE_PREFIX = 'browser-storage-';

export function browserStorageCases(quick: boolean): CaseSpec[] {
  return Object.keys(STORAGE_ADAPTERS).map((name) => ({
    name: `${CASE_PREFIX}${name}`,
    kind: 'browser' as const,
    nodes: 3,
    ops: quick ? 200 : 2_000,
  }));
}

interface Run {
  latencies: number[];
  seconds: number;
}
interface BenchPage {
  rawPuts(name: string, ops: number, warmup: number): Promise<Run>;
  appendBatches(name: string, size: number, batches: number, warmup: number): Promise<Run>;
  loadLog(name: string, count: number, batch: number, trials: number): Promise<{ ms: number[] }>;
  cluster(name: string, inflight: number, ops: number, warmup: number): Promise<Run>;
  clusterFloor(name: string, inflight: number, ops: number, warmup: number): Promise<Run>;
}
type W = { bench: BenchPage };
type Summary = LatencySummary & { perSec: number };

const summarize = (run: Run, perOp = 1): Summary => ({
  ...summarizeMs(Float64Array.from(run.latencies)),
  perSec: (run.latencies.length * perOp) / run.seconds,
});
const fig = (s: Summary, unit: string) =>
  `${fmtInt(s.perSec)} ${unit}/s  p50 ${fmtUs(s.p50Us)}  p99 ${fmtUs(s.p99Us)}`;

/** Calls `bench[method](...args)` in the page. */
function call<K extends keyof BenchPage>(page: Page, method: K, ...args: Parameters<BenchPage[K]>) {
  return page.evaluate(
    ([m, a]) =>
      ((globalThis as unknown as W).bench[m as K] as (...x: unknown[]) => unknown)(...(a as unknown[])),
    [method, args] as const,
  ) as ReturnType<BenchPage[K]>;
}

export async function runBrowserStorage(spec: CaseSpec): Promise<BrowserResult> {
  const name = spec.name.slice(CASE_PREFIX.length);
  const adapter = STORAGE_ADAPTERS[name];
  if (!adapter) throw new Error(`no storage adapter ${name} in bench/browser/storage.ts`);
  const { label, targets } = adapter;
  const budget = adapter.entryBudget ?? Number.POSITIVE_INFINITY;
  const scale = (spec.ops ?? 2_000) / 2_000;
  const n = (full: number) => Math.max(20, Math.round(full * scale));
  const bench = await startBrowserBench();
  try {
    const context = await bench.browser.newContext({ baseURL: bench.baseURL });
    const page = await context.newPage();
    await page.goto('/storage-bench/bench.html');
    await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });

    const floor = summarize(await call(page, 'rawPuts', name, n(2_000), n(200)));
    const batches: Record<number, Summary> = {};
    for (const [size, count] of [
      [1, 2_000],
      [10, 1_000],
      [100, 400],
      [1_000, 60],
    ] as const) {
      // Within the budget: the measured batches and the warm-up ones together.
      const fit = Math.floor(budget / size);
      const warmup = Math.min(n(count / 10), Math.max(1, Math.floor(fit / 11)));
      const measured = Math.min(n(count), fit - warmup);
      batches[size] = summarize(await call(page, 'appendBatches', name, size, measured, warmup), size);
    }
    const loadEntries = Math.min(100_000, budget);
    const load = await call(page, 'loadLog', name, loadEntries, 100, 3);
    const loadMs = [...load.ms].sort((a, b) => a - b)[1] as number;
    const cluster1 = summarize(await call(page, 'cluster', name, 1, n(1_000), n(100)));
    const cluster100 = summarize(await call(page, 'cluster', name, 100, n(5_000), n(500)));
    const clusterFloor1 = summarize(await call(page, 'clusterFloor', name, 1, n(1_000), n(100)));
    const clusterFloor100 = summarize(await call(page, 'clusterFloor', name, 100, n(5_000), n(500)));
    await context.close();

    const batch1Target = targets.batch1OverFloor * floor.p50Us;
    const rows: TableRow[] = [
      {
        benchmark: `${label} (Chromium), persist batches of 1`,
        figure: fig(batches[1]!, 'entries'),
        floor: `raw write per transaction: ${fig(floor, 'writes')}`,
        target: `p50 <= ${targets.batch1OverFloor}x floor (${fmtUs(batch1Target)})`,
        met: batches[1]!.p50Us <= batch1Target,
      },
      {
        benchmark: `${label} (Chromium), persist batches of 100`,
        figure: fig(batches[100]!, 'entries'),
        floor: `raw write per transaction: ${fig(floor, 'writes')}`,
        target: `>= ${fmtInt(targets.entriesPerSec100)} entries/s`,
        met: batches[100]!.perSec >= targets.entriesPerSec100,
      },
      {
        benchmark: `${label} (Chromium), load() of ${fmtInt(loadEntries)} entries`,
        figure: fmtMs(loadMs),
        floor: '-',
        target: `<= ${fmtMs(targets.loadMs)}`,
        met: loadMs <= targets.loadMs,
      },
      {
        benchmark: `${label} (Chromium), 3 nodes in one page, commits 1 in flight`,
        figure: fig(cluster1, 'commits'),
        floor: `3 raw writes at once per round: ${fig(clusterFloor1, 'rounds')}`,
        target: '-',
        met: null,
      },
      {
        benchmark: `${label} (Chromium), 3 nodes in one page, commits 100 in flight`,
        figure: fig(cluster100, 'commits'),
        floor: `3 raw writes at once, 100 rounds in flight: ${fig(clusterFloor100, 'rounds')}`,
        target: '-',
        met: null,
      },
    ];
    const details = [
      `${spec.name}  persist batches of 100-byte entries (latency per batch):`,
      ...Object.entries(batches).map(
        ([size, s]) =>
          `  batch ${size.padStart(4)}: ${fig(s, 'entries')}  (p50 ${(s.p50Us / floor.p50Us).toFixed(2)}x the raw write)`,
      ),
      `  load() of ${fmtInt(loadEntries)} entries written in batches of 100: ${load.ms.map((ms) => fmtMs(ms)).join(', ')} (median ${fmtMs(loadMs)})`,
    ];
    return {
      name: spec.name,
      kind: 'browser',
      nodes: 3,
      rows,
      details,
      figures: {
        floor,
        batches,
        loadMs: load.ms,
        cluster1,
        cluster100,
        clusterFloor1,
        clusterFloor100,
        targets,
      },
    };
  } finally {
    await bench.close();
  }
}
