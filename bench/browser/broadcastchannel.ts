/**
 * `pnpm bench --only browser-broadcastchannel`: a 3-tab cluster in one Chromium context over
 * BroadcastChannel (@webraft/transport-broadcastchannel), in-memory storage, a trivial state machine.
 * Commit latency at 1 in flight and commits/s at 100 in flight on the leader tab, beside the raw
 * channel's round trip measured in the same run and the same pages (e2e/pages/transport-broadcastchannel/
 * bench.ts). Also compares the two ways a payload can travel (a JSON string or a structured-cloned
 * object) with an append-sized message. The pages run @webraft/core from source (Vite's transpile).
 * With --profile, the leader tab's CPU profile of both commit runs goes to `spec.profile`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Page } from 'playwright-core';
import { fmtInt, fmtUs, type LatencySummary, summarizeMs } from '../lib/stats.js';
import type { BrowserResult, CaseSpec, TableRow } from '../lib/types.js';
import { findLeader, type PageRun, proposeOn, startBrowserBench } from './chromium.js';

/** The targets of the transport issue: commit p50 within 2x the round trip; 20k commits/s at 100 in flight. */
export const TARGETS = { p50OverFloor: 2, commitsPerSec100: 20_000 };

type Run = PageRun;

interface BenchTab {
  ping(
    to: string,
    ops: number,
    warmup: number,
    inflight: number,
    payload: unknown,
    enc: string,
  ): Promise<Run>;
  appendLike(): unknown;
  encodingCost(payload: unknown, ops: number): Record<string, number>;
  startNode(): Promise<void>;
  propose(ops: number, warmup: number, inflight: number): Promise<Run>;
  state: string;
  stop(): Promise<void>;
}
type W = { bench: BenchTab };

const summarize = (run: Run): LatencySummary & { perSec: number } => ({
  ...summarizeMs(Float64Array.from(run.latencies)),
  perSec: run.latencies.length / run.seconds,
});
const fig = (s: LatencySummary & { perSec: number }, unit: string) =>
  `${fmtInt(s.perSec)} ${unit}/s  p50 ${fmtUs(s.p50Us)}  p99 ${fmtUs(s.p99Us)}`;

export function browserBroadcastChannelCases(quick: boolean): CaseSpec[] {
  return [{ name: 'browser-broadcastchannel', kind: 'browser', nodes: 3, ops: quick ? 2_000 : 20_000 }];
}

export async function runBrowserBroadcastChannel(spec: CaseSpec): Promise<BrowserResult> {
  const scale = (spec.ops ?? 20_000) / 20_000;
  const n = (full: number) => Math.max(200, Math.round(full * scale));
  const bench = await startBrowserBench();
  try {
    const context = await bench.browser.newContext({ baseURL: bench.baseURL });
    const cluster = `bench-${Date.now().toString(36)}`;
    const tabs = new Map<string, Page>();
    for (const id of ['a', 'b', 'c']) {
      const page = await context.newPage();
      await page.goto(`/transport-broadcastchannel/bench.html?id=${id}&cluster=${cluster}`);
      await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
      tabs.set(id, page);
    }
    const a = tabs.get('a')!;

    // The floor: a ping-pong a <-> b, c listening, with a one-entry append's worth of JSON.
    const small = {
      type: 'append',
      from: 'a',
      to: 'b',
      term: 1,
      index: 1,
      logTerm: 1,
      commit: 1,
      entries: [{ index: 2, term: 1, kind: 'command', data: { op: 'inc' }, client: 'a~k3j4h5g6f7', seq: 1 }],
    };
    const ping = (ops: number, warmup: number, inflight: number, payload: unknown, enc: string) =>
      a.evaluate(([o, w, i, p, e]) => (globalThis as unknown as W).bench.ping('b', o, w, i, p, e), [
        ops,
        warmup,
        inflight,
        payload,
        enc,
      ] as const);
    const floor1 = summarize(await ping(n(5_000), n(1_000), 1, small, 'string'));
    const floor100 = summarize(await ping(n(50_000), n(5_000), 100, small, 'string'));
    const append = await a.evaluate(() => (globalThis as unknown as W).bench.appendLike());
    const encodings: Record<
      string,
      { one: ReturnType<typeof summarize>; hundred: ReturnType<typeof summarize> }
    > = {};
    for (const enc of ['string', 'object']) {
      encodings[enc] = {
        one: summarize(await ping(n(3_000), n(500), 1, append, enc)),
        hundred: summarize(await ping(n(30_000), n(3_000), 100, append, enc)),
      };
    }

    const cost = await a.evaluate(([p, o]) => (globalThis as unknown as W).bench.encodingCost(p, o), [
      append,
      n(20_000),
    ] as const);

    // The cluster.
    await Promise.all(
      [...tabs.values()].map((p) => p.evaluate(() => (globalThis as unknown as W).bench.startNode())),
    );
    const leader = await findLeader([...tabs.values()]);
    const propose = proposeOn(leader);
    const cdp = spec.profile ? await context.newCDPSession(leader) : null;
    if (cdp) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
      await cdp.send('Profiler.start');
    }
    const commits1 = summarize(await propose(n(5_000), n(2_000), 1));
    const commits100 = summarize(await propose(n(50_000), n(10_000), 100));
    if (cdp && spec.profile) {
      const { profile } = await cdp.send('Profiler.stop');
      mkdirSync(dirname(spec.profile), { recursive: true });
      writeFileSync(spec.profile, JSON.stringify(profile));
    }
    await Promise.all(
      [...tabs.values()].map((p) => p.evaluate(() => (globalThis as unknown as W).bench.stop())),
    );
    await context.close();

    const p50Target = TARGETS.p50OverFloor * floor1.p50Us;
    const rows: TableRow[] = [
      {
        benchmark: 'BroadcastChannel 3 tabs (Chromium), commits 1 in flight',
        figure: fig(commits1, 'commits'),
        floor: `raw channel round trip: ${fig(floor1, 'rt')}`,
        target: `p50 <= ${TARGETS.p50OverFloor}x floor (${fmtUs(p50Target)})`,
        met: commits1.p50Us <= p50Target,
      },
      {
        benchmark: 'BroadcastChannel 3 tabs (Chromium), commits 100 in flight',
        figure: fig(commits100, 'commits'),
        floor: `raw channel, 100 in flight: ${fig(floor100, 'rt')}`,
        target: `>= ${fmtInt(TARGETS.commitsPerSec100)}/s`,
        met: commits100.perSec >= TARGETS.commitsPerSec100,
      },
    ];
    const enc = (name: string) =>
      `${name.padEnd(6)}: 1 in flight p50 ${fmtUs(encodings[name]!.one.p50Us)} p99 ${fmtUs(encodings[name]!.one.p99Us)}; 100 in flight ${fig(encodings[name]!.hundred, 'rt')}`;
    const details = [
      `browser-broadcastchannel  payload of a 16-entry append through the raw channel, both ends encoding and decoding:`,
      `  ${enc('string')} (JSON.stringify + structured clone of a string + JSON.parse: what the transport does)`,
      `  ${enc('object')} (structured clone of the object)`,
      `  CPU per message in one tab (${cost.chars} chars of JSON): string path ${cost.string!.toFixed(1)} us, object ${cost.object!.toFixed(1)} us (${cost.objectWithSizeCheck!.toFixed(1)} us with the size check); a tab it is not for: ${cost.notForMeString!.toFixed(1)} us (string) vs ${cost.notForMeObject!.toFixed(1)} us (object)`,
      `  commits 1 in flight p90 ${fmtUs(commits1.p90Us)}, p99.9 ${fmtUs(commits1.p999Us)}; 100 in flight p90 ${fmtUs(commits100.p90Us)}, p99.9 ${fmtUs(commits100.p999Us)}`,
    ];
    return {
      name: spec.name,
      kind: 'browser',
      nodes: 3,
      rows,
      details,
      figures: { floor1, floor100, encodings, encodingCost: cost, commits1, commits100, targets: TARGETS },
    };
  } finally {
    await bench.close();
  }
}
