/**
 * `pnpm bench --only browser-webrtc` (or `--only webrtc`), and part of the full run: the WebRTC transport in Chromium (Debian's, with the loopback flags of
 * playwright.config.ts and the camera/microphone permission WebRTC over loopback needs).
 *
 * 3 browser contexts, one node each over WebRtcTransport with in-memory storage, signaled through one
 * relay process: commit latency p50/p99 at 1 in flight and commits/s at 100 in flight, timed inside the
 * leader's page, beside the floor measured in the same run and the same page
 * (e2e/pages/transport-webrtc/channel-floor.ts): the message pattern of a commit on the transport's own
 * data channels with no Raft and no transport, an append-sized frame from the leader's page to each of
 * its two peers, timed at the first answer (a majority of 3). The floor and the commits alternate in
 * rounds and each pools its rounds, so a change in the machine's load weighs on both alike. And the time
 * from the third context joining the room (its transport opening) to its first message delivered on a
 * direct channel.
 *
 * With --profile, the leader's page is CPU-profiled over one more run of commits at 1 in flight
 * (`spec.profile`), and a follower's page over the same run (`-follower` before the extension); then
 * both over as many round trips of the floor (`-floor`, `-floor-follower`). Summarize any of them with
 * `pnpm exec tsx bench/profile.ts FILE`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { startRelayProcess } from '@webraft/server/testing';
import type { CDPSession, Page } from 'playwright-core';
import { fmtInt, fmtUs, type LatencySummary, summarizeMs } from '../lib/stats.js';
import type { BrowserResult, CaseSpec, TableRow } from '../lib/types.js';
import type { PageRun } from './chromium.js';
import { startBrowserBench } from './chromium.js';

const TARGETS = { p50OverFloor: 2, firstDirectMs: 1000 };
const FACTORIES = ['simple-peer', 'native'] as const;
/** Rounds of (floor, commits) at 1 in flight, alternating. */
const ROUNDS = 4;

export function browserWebRtcCases(quick: boolean): CaseSpec[] {
  return [{ name: 'browser-webrtc', kind: 'browser', nodes: 3, ops: quick ? 1_000 : 8_000 }];
}

/** simple-peer (the default) or RTCPeerConnection directly (`createNativePeerConnection`). */
type Factory = 'simple-peer' | 'native';

/** What e2e/pages/transport-webrtc/bench.ts puts on `window.webraft`. */
interface PageApi {
  start(options: { url: string; room: string; id: string; peers: string[]; factory: Factory }): Promise<void>;
  status(): {
    state?: string;
    directPeers: string[];
    openChannels: number;
    framesSent: number;
    framesReceived: number;
    firstDirectMessageMs: number | null;
  };
  benchCommits(ops: number, warmup: number, inflight: number): Promise<PageRun>;
  benchFloor(
    ops: number,
    warmup: number,
    inflight: number,
    peers?: number,
  ): Promise<{ first: PageRun; all: PageRun; peers: number }>;
}

/** Calls `window.webraft[method](...args)` in `page`. */
function call<M extends keyof PageApi>(page: Page, method: M, ...args: Parameters<PageApi[M]>) {
  return page.evaluate(
    ([m, a]) =>
      (globalThis as unknown as { webraft: Record<string, (...x: unknown[]) => unknown> }).webraft[m]!(...a),
    [method, args] as const,
  ) as Promise<Awaited<ReturnType<PageApi[M]>>>;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

type Summary = LatencySummary & { perSec: number };
/** Pools the latencies of `runs` (their seconds add up). */
const summarize = (...runs: PageRun[]): Summary => ({
  ...summarizeMs(Float64Array.from(runs.flatMap((run) => run.latencies))),
  perSec: runs.reduce((n, run) => n + run.latencies.length, 0) / runs.reduce((s, run) => s + run.seconds, 0),
});
const fig = (s: Summary, unit: string) =>
  `${fmtInt(s.perSec)} ${unit}/s  p50 ${fmtUs(s.p50Us)}  p99 ${fmtUs(s.p99Us)}`;

/**
 * Main-thread busy time of each page so far (CDP `Performance.getMetrics` TaskDuration, seconds): the
 * CPU a page spent on tasks (script, the channel's native work on that thread, GC), which the load of
 * a shared machine does not inflate the way it does wall-clock latency.
 */
async function busySeconds(sessions: CDPSession[]): Promise<number[]> {
  return Promise.all(
    sessions.map(async (cdp) => {
      const { metrics } = await cdp.send('Performance.getMetrics');
      return metrics.find((m) => m.name === 'TaskDuration')?.value ?? Number.NaN;
    }),
  );
}

/** CPU seconds so far of Chromium's processes by type (renderer, browser, utility, gpu), from CDP SystemInfo. */
async function chromiumCpu(cdp: CDPSession): Promise<Record<string, number>> {
  const { processInfo } = await cdp.send('SystemInfo.getProcessInfo');
  const byType: Record<string, number> = {};
  for (const p of processInfo) byType[p.type] = (byType[p.type] ?? 0) + p.cpuTime;
  return byType;
}

/** Microseconds per operation of each page's busy `seconds`. */
const perOpUs = (seconds: number[], ops: number) => seconds.map((t) => Math.round((t * 1e6) / ops));

/** Both peer-connection factories, each a 3-context cluster, as rows of the bench table. */
export async function runBrowserWebRtc(spec: CaseSpec): Promise<BrowserResult> {
  const rows: TableRow[] = [];
  const details: string[] = [];
  const figures: Record<string, unknown> = { targets: TARGETS };
  for (const factory of FACTORIES) {
    const r = await benchCluster(
      factory,
      spec.ops ?? 8_000,
      factory === 'simple-peer' ? spec.profile : undefined,
    );
    figures[factory] = r;
    const label = `WebRTC (${factory}), 3 contexts (Chromium)`;
    const p50Target = TARGETS.p50OverFloor * r.floor1.p50Us;
    rows.push(
      {
        benchmark: `${label}, commits 1 in flight`,
        figure: `${fig(r.commits1, 'commits')} (${(r.commits1.p50Us / r.floor1.p50Us).toFixed(2)}x floor p50)`,
        floor: `raw leader page -> 2 pages on the same channels, 1st answer: ${fig(r.floor1, 'rt')}`,
        target: `p50 <= ${TARGETS.p50OverFloor}x floor (${fmtUs(p50Target)})`,
        met: r.commits1.p50Us <= p50Target,
      },
      {
        benchmark: `${label}, commits 100 in flight`,
        figure: fig(r.commits100, 'commits'),
        // No floor: at 100 in flight Raft sends one append per batch of proposals, the raw pattern one
        // message per proposal, so no raw figure is comparable.
        floor: '',
        target: '',
        met: null,
      },
      {
        benchmark: `${label}, a context joining to its first direct message`,
        figure: `${r.firstDirectMs.toFixed(1)} ms`,
        floor: '',
        target: `<= ${TARGETS.firstDirectMs} ms`,
        met: r.firstDirectMs <= TARGETS.firstDirectMs,
      },
    );
    details.push(
      `browser-webrtc ${factory}  floor at 1 in flight, last of the 2 answers: ${fig(r.floor1All, 'rt')}; one peer only (one message there and back): ${fig(r.floorOnePeer, 'rt')}`,
      `  main-thread busy per operation at 1 in flight (leader, followers): floor ${r.busyUs.floor.join(', ')} us; commit ${r.busyUs.commits.join(', ')} us`,
      `  Chromium CPU per operation at 1 in flight: floor ${JSON.stringify(r.cpuPerOpUs.floor)} us; commit ${JSON.stringify(r.cpuPerOpUs.commits)} us`,
      `  commits 1 in flight p90 ${fmtUs(r.commits1.p90Us)}, p99.9 ${fmtUs(r.commits1.p999Us)}; the leader's frames per commit: ${r.leaderFrames.sent} sent, ${r.leaderFrames.received} received; rounds (floor p50 / commit p50): ${r.rounds.join(', ')}`,
    );
  }
  return { name: spec.name, kind: 'browser', nodes: 3, rows, details, figures };
}

async function benchCluster(factory: Factory, ops: number, profile: string | undefined) {
  const relay = await startRelayProcess(['--port', '0']);
  const bench = await startBrowserBench();
  try {
    const ids = ['n1', 'n2', 'n3'];
    const pages: Page[] = [];
    const join = async (id: string) => {
      const context = await bench.browser.newContext({ permissions: ['camera', 'microphone'] });
      const page = await context.newPage();
      await page.goto(`${bench.baseURL}/transport-webrtc/bench.html`);
      await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
      await call(page, 'start', { url: relay.url, room: 'bench-webrtc', id, peers: ids, factory });
      pages.push(page);
      return page;
    };
    await join('n1');
    await join('n2');
    await until('n1 and n2 on a direct channel', async () =>
      (await call(pages[0]!, 'status')).directPeers.length === 1 ? true : undefined,
    );
    // The newcomer: from its transport opening to its first message on a direct channel.
    const newcomer = await join('n3');
    const firstDirectMs = await until(
      'n3 to receive on a direct channel',
      async () => (await call(newcomer, 'status')).firstDirectMessageMs ?? undefined,
    );
    for (const page of pages)
      await until('a full mesh', async () => {
        const status = await call(page, 'status');
        return status.directPeers.length === 2 && status.openChannels === 2 ? true : undefined;
      });
    const leader = await until('a leader', async () => {
      for (const page of pages) if ((await call(page, 'status')).state === 'leader') return page;
      return undefined;
    });
    const perRound = Math.round(ops / ROUNDS);
    const warmup = Math.min(500, perRound);
    await call(leader, 'benchFloor', warmup, 1, 10);
    await call(leader, 'benchCommits', warmup, 1, 10);
    const floorRuns: PageRun[] = [];
    const floorAllRuns: PageRun[] = [];
    const commitRuns: PageRun[] = [];
    const rounds: string[] = [];
    // The leader's page first, then the followers'.
    const ordered = [leader, ...pages.filter((page) => page !== leader)];
    const sessions = await Promise.all(ordered.map((page) => page.context().newCDPSession(page)));
    for (const cdp of sessions) await cdp.send('Performance.enable');
    const browserCdp = await bench.browser.newBrowserCDPSession();
    const busy = { floor: [0, 0, 0], commits: [0, 0, 0] };
    const cpu: Record<'floor' | 'commits', Record<string, number>> = { floor: {}, commits: {} };
    const timed = async <T>(what: 'floor' | 'commits', run: () => Promise<T>): Promise<T> => {
      const t0 = await busySeconds(sessions);
      const c0 = await chromiumCpu(browserCdp);
      const result = await run();
      const c1 = await chromiumCpu(browserCdp);
      const t1 = await busySeconds(sessions);
      for (const [i, t] of t1.entries()) busy[what][i]! += t - t0[i]!;
      for (const [type, t] of Object.entries(c1))
        cpu[what][type] = (cpu[what][type] ?? 0) + t - (c0[type] ?? 0);
      return result;
    };
    const before = await call(leader, 'status');
    for (let round = 0; round < ROUNDS; round++) {
      const f = await timed('floor', () => call(leader, 'benchFloor', perRound, warmup / 5, 1));
      if (f.peers !== 2) throw new Error(`the leader's page has ${f.peers} open channels, not 2`);
      const c = await timed('commits', () => call(leader, 'benchCommits', perRound, warmup / 5, 1));
      floorRuns.push(f.first);
      floorAllRuns.push(f.all);
      commitRuns.push(c);
      rounds.push(`${fmtUs(summarize(f.first).p50Us)} / ${fmtUs(summarize(c).p50Us)}`);
    }
    const after = await call(leader, 'status');
    const committed = ROUNDS * (perRound + warmup / 5);
    const perCommit = (n: number) => Math.round((n / committed) * 100) / 100;
    const busyUs = { floor: perOpUs(busy.floor, committed), commits: perOpUs(busy.commits, committed) };
    const cpuUs = (what: 'floor' | 'commits') =>
      Object.fromEntries(
        Object.entries(cpu[what]).map(([type, t]) => [type, Math.round((t * 1e6) / committed)]),
      );
    const cpuPerOpUs = { floor: cpuUs('floor'), commits: cpuUs('commits') };
    const leaderFrames = {
      sent: perCommit(after.framesSent - before.framesSent),
      received: perCommit(after.framesReceived - before.framesReceived),
    };
    const commits100 = await call(leader, 'benchCommits', 10 * ops, warmup, 100);
    const floorOnePeer = (await call(leader, 'benchFloor', perRound, warmup / 5, 1, 1)).first;
    if (profile) await profileCommits(leader, pages.find((page) => page !== leader)!, perRound, profile);
    return {
      commits1: summarize(...commitRuns),
      floor1: summarize(...floorRuns),
      floor1All: summarize(...floorAllRuns),
      commits100: summarize(commits100),
      floorOnePeer: summarize(floorOnePeer),
      rounds,
      leaderFrames,
      busyUs,
      cpuPerOpUs,
      firstDirectMs,
    };
  } finally {
    await bench.close();
    await relay.stop();
  }
}

/**
 * CPU profiles of the leader's and a follower's page over `ops` commits at 1 in flight, and over as
 * many round trips of the floor (`-floor` before the extension): the same sends and receives without
 * Raft and the transport, so the two show what a commit adds per message.
 */
async function profileCommits(leader: Page, follower: Page, ops: number, path: string): Promise<void> {
  await profilePages([leader, follower], path, () => call(leader, 'benchCommits', ops, 100, 1));
  await profilePages([leader, follower], path.replace(/\.cpuprofile$/, '-floor.cpuprofile'), () =>
    call(leader, 'benchFloor', ops, 100, 1),
  );
}

/** Profiles `pages` over `run`: the first page's profile to `path`, the second's to `-follower` before the extension. */
async function profilePages(pages: Page[], path: string, run: () => Promise<unknown>): Promise<void> {
  const sessions = await Promise.all(pages.map((page) => page.context().newCDPSession(page)));
  for (const cdp of sessions) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
    await cdp.send('Profiler.start');
  }
  await run();
  mkdirSync(dirname(path), { recursive: true });
  const paths = [path, path.replace(/\.cpuprofile$/, '-follower.cpuprofile')];
  for (const [i, cdp] of sessions.entries()) {
    const { profile } = await cdp.send('Profiler.stop');
    writeFileSync(paths[i]!, JSON.stringify(profile));
    await cdp.detach();
  }
}
