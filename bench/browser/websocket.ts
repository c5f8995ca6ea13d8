/**
 * `pnpm bench --only browser-websocket` (or `--only websocket`): the WebSocket transport through the relay.
 *
 * 1. Chromium, 3 browser contexts (3 renderer processes, as 3 devices), one node each over
 *    WebSocketTransport with in-memory storage, through one relay process (the CLI): commit latency
 *    p50/p99 at 1 in flight and commits/s at 100 in flight, timed in the leader's page, beside the floor
 *    measured in the same run and the same pages (e2e/pages/transport-websocket/bench.ts): the message
 *    pattern of a commit over raw WebSockets, the leader's page to both followers' pages through the
 *    relay and back, timed at the first answer (a majority of 3) and at the last.
 * 2. Node, 1,000 connected clients: the relay's round trip (a client sends to itself through the relay,
 *    which validates, stamps and re-encodes) against a raw `ws` echo server with the same clients, so the
 *    difference is what the relay adds to one message at a time. The load test
 *    (`pnpm --filter @webraft/server loadtest`) compares them under traffic from all 1,000 clients.
 */
import { readFileSync } from 'node:fs';
import type { CDPSession, Page } from 'playwright-core';
import { WebSocket, WebSocketServer } from 'ws';
import { fmtInt, fmtUs, type LatencySummary, summarizeMs } from '../lib/stats.js';
import type { BrowserResult, CaseSpec, TableRow } from '../lib/types.js';
import { findLeader, type PageRun, proposeOn, startBrowserBench } from './chromium.js';

/** The transport issue's targets: commit p50 within 2x the floor; the relay adds at most 0.2 ms p50. */
export const TARGETS = { p50OverFloor: 2, relayAddedP50Us: 200 };

type Run = PageRun;

interface BenchPage {
  echo(url: string, room: string, node: string): Promise<void>;
  ping(
    url: string,
    room: string,
    node: string,
    to: string[],
    ops: number,
    warmup: number,
    inflight: number,
  ): Promise<{ first: Run; all: Run }>;
  closeFloor(): void;
  startNode(url: string, room: string, peers: string[]): Promise<void>;
  propose(ops: number, warmup: number, inflight: number): Promise<Run>;
  state: string;
  stop(): Promise<void>;
}
type W = { bench: BenchPage };

type Summary = LatencySummary & { perSec: number };
const summarize = (run: Run): Summary => ({
  ...summarizeMs(Float64Array.from(run.latencies)),
  perSec: run.latencies.length / run.seconds,
});
const fig = (s: Summary, unit: string) =>
  `${fmtInt(s.perSec)} ${unit}/s  p50 ${fmtUs(s.p50Us)}  p99 ${fmtUs(s.p99Us)}`;

export function browserWebSocketCases(quick: boolean): CaseSpec[] {
  return [{ name: 'browser-websocket', kind: 'browser', nodes: 3, ops: quick ? 2_000 : 20_000 }];
}

const IDS = ['n1', 'n2', 'n3'];

/** CPU seconds (user + system) of process `pid` so far, from /proc (Linux; clock ticks of 10 ms). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * Where the time of a run goes, per operation: each page's main-thread busy time (CDP
 * `Performance.getMetrics` TaskDuration: tasks run, script and everything else), the relay process's
 * CPU, and the messages it relayed.
 */
interface Cost {
  pageUs: Record<string, number>;
  relayCpuUs: number;
  relayedPerOp: number;
}

async function measureCost<T>(
  sessions: Map<string, CDPSession>,
  relay: { url: string; pid: number },
  operations: number,
  run: () => Promise<T>,
): Promise<{ result: T; cost: Cost }> {
  const busy = async () =>
    Object.fromEntries(
      await Promise.all(
        [...sessions].map(async ([id, cdp]) => {
          const { metrics } = await cdp.send('Performance.getMetrics');
          return [id, metrics.find((m) => m.name === 'TaskDuration')?.value ?? Number.NaN] as const;
        }),
      ),
    ) as Record<string, number>;
  const relayed = async () => {
    const text = await (await fetch(`${relay.url.replace(/^ws/, 'http')}/metrics`)).text();
    return Number(/^webraft_messages_relayed_total (\d+)$/m.exec(text)?.[1] ?? Number.NaN);
  };
  const before = { busy: await busy(), cpu: cpuSeconds(relay.pid), relayed: await relayed() };
  const result = await run();
  const after = { busy: await busy(), cpu: cpuSeconds(relay.pid), relayed: await relayed() };
  const perOpUs = (seconds: number) => Math.round((seconds * 1e6) / operations);
  return {
    result,
    cost: {
      pageUs: Object.fromEntries(IDS.map((id) => [id, perOpUs(after.busy[id]! - before.busy[id]!)])),
      relayCpuUs: perOpUs(after.cpu - before.cpu),
      relayedPerOp: Math.round(((after.relayed - before.relayed) / operations) * 100) / 100,
    },
  };
}

const fmtCost = (c: Cost) =>
  `main thread per op ${IDS.map((id) => `${id} ${c.pageUs[id]} us`).join(', ')}; relay CPU ${c.relayCpuUs} us and ${c.relayedPerOp} messages relayed per op`;

async function browserCluster(spec: CaseSpec) {
  const scale = (spec.ops ?? 20_000) / 20_000;
  const n = (full: number) => Math.max(200, Math.round(full * scale));
  // Imported here, not at the top: run.ts lists the cases without loading the server.
  const { startRelayProcess } = await import('@webraft/server/testing');
  const relay = await startRelayProcess(['--port', '0']);
  const bench = await startBrowserBench();
  try {
    const pages = new Map<string, Page>();
    const sessions = new Map<string, CDPSession>();
    for (const id of IDS) {
      const context = await bench.browser.newContext({ baseURL: bench.baseURL });
      const page = await context.newPage();
      await page.goto(`/transport-websocket/bench.html?id=${id}`);
      await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
      pages.set(id, page);
      const cdp = await context.newCDPSession(page);
      await cdp.send('Performance.enable');
      sessions.set(id, cdp);
    }
    const relayInfo = { url: relay.url, pid: relay.child.pid! };
    const cost = <T>(operations: number, run: () => Promise<T>) =>
      measureCost(sessions, relayInfo, operations, run);
    const n1 = pages.get('n1')!;

    // The floor: n1's page to the pages of n2 and n3 (other contexts) through the relay, and back.
    const floorRoom = `floor-${Date.now().toString(36)}`;
    for (const id of ['n2', 'n3'])
      await pages
        .get(id)!
        .evaluate(([u, r, node]) => (globalThis as unknown as W).bench.echo(u, r, node), [
          relay.url,
          floorRoom,
          `echo-${id}`,
        ] as const);
    const ping = (node: string, to: string[], ops: number, warmup: number, inflight: number) =>
      n1.evaluate(([u, r, nd, t, o, w, i]) => (globalThis as unknown as W).bench.ping(u, r, nd, t, o, w, i), [
        relay.url,
        floorRoom,
        node,
        to,
        ops,
        warmup,
        inflight,
      ] as const);
    const { result: cross1, cost: floorCost } = await cost(n(6_000), () =>
      ping('ping-1', ['echo-n2', 'echo-n3'], n(5_000), n(1_000), 1),
    );
    const cross100 = await ping('ping-100', ['echo-n2', 'echo-n3'], n(50_000), n(5_000), 100);
    // The floor as the first version of this bench measured it: two sockets in one page, one answer.
    await n1.evaluate(([u, r]) => (globalThis as unknown as W).bench.echo(u, r, 'echo-n1'), [
      relay.url,
      floorRoom,
    ] as const);
    const samePage = await ping('ping-same', ['echo-n1'], n(5_000), n(1_000), 1);
    await Promise.all(
      [...pages.values()].map((p) => p.evaluate(() => (globalThis as unknown as W).bench.closeFloor())),
    );

    // The cluster.
    const room = `bench-${Date.now().toString(36)}`;
    await Promise.all(
      [...pages.values()].map((p) =>
        p.evaluate(([u, r, peers]) => (globalThis as unknown as W).bench.startNode(u, r, peers), [
          relay.url,
          room,
          IDS,
        ] as const),
      ),
    );
    const leader = await findLeader([...pages.values()]);
    const propose = proposeOn(leader);
    const { result: run1, cost: commitCost } = await cost(n(7_000), () => propose(n(5_000), n(2_000), 1));
    const commits1 = summarize(run1);
    const leaderId = IDS.find((id) => pages.get(id) === leader)!;
    const commits100 = summarize(await propose(n(50_000), n(10_000), 100));
    await Promise.all(
      [...pages.values()].map((p) => p.evaluate(() => (globalThis as unknown as W).bench.stop())),
    );
    return {
      commits1,
      commits100,
      floor1: summarize(cross1.first),
      floor1All: summarize(cross1.all),
      floor100: summarize(cross100.first),
      samePage: summarize(samePage.first),
      floorCost,
      commitCost,
      leaderId,
    };
  } finally {
    await bench.close();
    await relay.stop();
  }
}

/** Round trips of one probe client while `idle` other clients are connected; `frame` is what it sends. */
async function probe(url: string, idle: number, query: (i: number) => string, frame: string, count: number) {
  const clients: WebSocket[] = [];
  for (let i = 0; i < idle; i += 100)
    await Promise.all(
      Array.from({ length: Math.min(100, idle - i) }, (_, k) => {
        const ws = new WebSocket(`${url}/?${query(i + k)}`);
        clients.push(ws);
        return new Promise((resolve) => ws.once('open', resolve));
      }),
    );
  const ws = new WebSocket(`${url}/?${query(idle)}`);
  await new Promise((resolve) => ws.once('open', resolve));
  await new Promise((resolve) => setTimeout(resolve, 200)); // let the welcomes and joins pass
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await new Promise<void>((resolve) => {
      const onMessage = (data: Buffer) => {
        if (data.toString().startsWith('{"k":"msg"') || data.toString() === frame) {
          ws.off('message', onMessage);
          resolve();
        }
      };
      ws.on('message', onMessage);
      ws.send(frame);
    });
    samples.push(performance.now() - t0);
  }
  for (const c of [...clients, ws]) c.terminate();
  return summarizeMs(Float64Array.from(samples.slice(count / 10)));
}

async function relayOverhead() {
  const CLIENTS = 1000;
  const ROUND_TRIPS = 5000;
  const frame = '{"k":"send","to":"probe","d":{"x":1}}';
  const echo = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  echo.on('connection', (ws) => ws.on('message', (data) => ws.send(data.toString())));
  await new Promise((resolve) => echo.once('listening', resolve));
  const echoUrl = `ws://127.0.0.1:${(echo.address() as { port: number }).port}`;
  const raw = await probe(echoUrl, CLIENTS, () => '', frame, ROUND_TRIPS);
  await new Promise((resolve) => echo.close(resolve));
  const { startRelayServer } = await import('@webraft/server');
  const relay = await startRelayServer({ port: 0 });
  const room = (i: number) => `room=r${i % 100}&node=${i === CLIENTS ? 'probe' : `c${i}`}`;
  const relayed = await probe(relay.url, CLIENTS, room, frame, ROUND_TRIPS);
  await relay.close();
  return { clients: CLIENTS, raw, relayed, addedP50Us: relayed.p50Us - raw.p50Us };
}

export async function runBrowserWebSocket(spec: CaseSpec): Promise<BrowserResult> {
  const c = await browserCluster(spec);
  const o = await relayOverhead();
  const p50Target = TARGETS.p50OverFloor * c.floor1.p50Us;
  const ratio = (s: Summary) => `${(s.p50Us / c.floor1.p50Us).toFixed(2)}x floor p50`;
  const rows: TableRow[] = [
    {
      benchmark: 'WebSocket via relay, 3 contexts (Chromium), commits 1 in flight',
      figure: `${fig(c.commits1, 'commits')} (${ratio(c.commits1)})`,
      floor: `raw page -> relay -> 2 pages -> relay, 1st answer: ${fig(c.floor1, 'rt')}`,
      target: `p50 <= ${TARGETS.p50OverFloor}x floor (${fmtUs(p50Target)})`,
      met: c.commits1.p50Us <= p50Target,
    },
    {
      benchmark: 'WebSocket via relay, 3 contexts (Chromium), commits 100 in flight',
      figure: fig(c.commits100, 'commits'),
      floor: `raw, 100 in flight: ${fig(c.floor100, 'rt')}`,
      target: '',
      met: null,
    },
    {
      benchmark: `relay round trip, ${fmtInt(o.clients)} clients connected (Node)`,
      figure: `p50 ${fmtUs(o.relayed.p50Us)}  p99 ${fmtUs(o.relayed.p99Us)} (adds ${fmtUs(o.addedP50Us)} p50)`,
      floor: `raw ws echo, same clients: p50 ${fmtUs(o.raw.p50Us)}  p99 ${fmtUs(o.raw.p99Us)}`,
      target: `adds <= ${fmtUs(TARGETS.relayAddedP50Us)} p50`,
      met: o.addedP50Us <= TARGETS.relayAddedP50Us,
    },
  ];
  const details = [
    `browser-websocket  floor at 1 in flight, last of the 2 answers: ${fig(c.floor1All, 'rt')}; two sockets in one page, one answer (the earlier floor): ${fig(c.samePage, 'rt')}`,
    `  where the time goes at 1 in flight: the floor (n1 pings, n2 and n3 echo): ${fmtCost(c.floorCost)}`,
    `  a commit (${c.leaderId} leads): ${fmtCost(c.commitCost)}`,
    `  commits 1 in flight p90 ${fmtUs(c.commits1.p90Us)}, p99.9 ${fmtUs(c.commits1.p999Us)}; 100 in flight p90 ${fmtUs(c.commits100.p90Us)}, p99.9 ${fmtUs(c.commits100.p999Us)}`,
  ];
  return {
    name: spec.name,
    kind: 'browser',
    nodes: 3,
    rows,
    details,
    figures: { ...c, relayOverhead: o, targets: TARGETS },
  };
}
