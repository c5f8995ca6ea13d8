/**
 * `pnpm bench --only browser-leaderfeed`: @webraft/leaderfeed's failover among 3 Chromium tabs of one
 * context (e2e/pages/leaderfeed/feed.ts), per backend (Web Locks, BroadcastChannel), with the default
 * timing (heartbeat 100 ms, election timeout 300 to 600 ms):
 * - graceful: the leader tab's feed stopped (`feed.stop()`), to the next tab leading; it starts again;
 * - crash: the leader tab's renderer killed (CDP `Page.crash`: no pagehide, no resignation), to the next
 *   tab leading; a fresh tab replaces it;
 * - idle load: the feed messages per second on the channel while one tab leads.
 * Beside them, the floors: a raw BroadcastChannel round trip between the tabs (graceful failover is one
 * resignation message plus a short jitter and, for BroadcastChannel, a claim window), and the bound the
 * crash target names (`electionTimeoutMaxMs` + one heartbeat).
 */
import type { BrowserContext, Page } from 'playwright-core';
import { fmtInt, fmtMs, trialsOf } from '../lib/stats.js';
import type { BrowserResult, CaseSpec, TableRow } from '../lib/types.js';
import { startBrowserBench } from './chromium.js';

/** The targets: graceful failover within 50 ms; a crash within the longest election timeout and a heartbeat. */
export const TARGETS = { gracefulMs: 50, crashMs: 600 + 100 };

const BACKENDS = ['weblocks', 'broadcastchannel'] as const;
type Backend = (typeof BACKENDS)[number];

interface FeedView {
  id: string;
  isLeader: boolean;
  token: number | undefined;
  history: { state: string; token: number | undefined; at: number }[];
  messagesHeard: number;
}
type W = {
  lf: {
    view(): FeedView;
    stop(): Promise<number>;
    start(): Promise<void>;
    pingFloor(n: number): Promise<number>;
  };
};

const view = (page: Page) => page.evaluate(() => (globalThis as unknown as W).lf.view());

async function openTab(context: BrowserContext, backend: Backend, name: string, id: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`/leaderfeed/feed.html?backend=${backend}&name=${name}&id=${id}`);
  await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
  return page;
}

/** The tab that leads under a token larger than `after`, once one does. */
async function leaderAfter(pages: Page[], after: number, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const page of pages) {
      if (page.isClosed()) continue;
      const v = await view(page).catch(() => null);
      if (v?.isLeader && v.token! > after) {
        const at = v.history.filter((h) => h.state === 'leader' && h.token === v.token).at(-1)!.at;
        return { page, token: v.token!, at };
      }
    }
    if (Date.now() > deadline) throw new Error(`no leader after token ${after} within ${timeoutMs} ms`);
  }
}

async function runBackend(context: BrowserContext, backend: Backend, trials: number) {
  const name = `bench-lf-${backend}-${Date.now().toString(36)}`;
  let seq = 0;
  const pages: Page[] = [];
  for (let i = 0; i < 3; i++) pages.push(await openTab(context, backend, name, `tab${++seq}`));
  let current = await leaderAfter(pages, 0);
  // Leadership moved during the idle phase is no failover of ours: count from the leader found at each trial.

  // Idle load: every message on the channel over 3 s, counted by one tab's listener.
  const before = (await view(pages[0]!)).messagesHeard;
  const idleStart = Date.now();
  await pages[0]!.waitForTimeout(3000);
  const messagesPerSec = (((await view(pages[0]!)).messagesHeard - before) * 1000) / (Date.now() - idleStart);

  // The floor: a raw BroadcastChannel round trip between two of these tabs (median of 200).
  const floorRttMs = await pages[0]!.evaluate(() => (globalThis as unknown as W).lf.pingFloor(200));

  const graceful: number[] = [];
  for (let t = 0; t < trials; t++) {
    // The tab leading now (a loaded machine can move leadership between trials: a lease run out).
    current = await leaderAfter(pages, 0);
    const stoppedAt = await current.page.evaluate(() => (globalThis as unknown as W).lf.stop());
    const next = await leaderAfter(
      pages.filter((p) => p !== current.page),
      current.token,
    );
    graceful.push(next.at - stoppedAt);
    await current.page.evaluate(() => (globalThis as unknown as W).lf.start());
    current = next;
  }

  const crash: number[] = [];
  for (let t = 0; t < trials; t++) {
    current = await leaderAfter(pages, 0);
    const cdp = await context.newCDPSession(current.page);
    const crashedAt = Date.now();
    void cdp.send('Page.crash').catch(() => {}); // the target dies: no answer comes
    pages.splice(pages.indexOf(current.page), 1);
    const next = await leaderAfter(pages, current.token).catch(async (error: unknown) => {
      const views = await Promise.all(pages.map((p) => view(p).catch((e: unknown) => String(e))));
      throw new Error(`crash trial ${t}: ${String(error)}; tabs: ${JSON.stringify(views).slice(0, 1500)}`);
    });
    crash.push(next.at - crashedAt);
    await current.page.close().catch(() => {});
    pages.push(await openTab(context, backend, name, `tab${++seq}`));
    current = next;
  }
  for (const page of pages) await page.close();
  return { messagesPerSec, floorRttMs, graceful: trialsOf(graceful), crash: trialsOf(crash) };
}

export function browserLeaderFeedCases(quick: boolean): CaseSpec[] {
  return [{ name: 'browser-leaderfeed', kind: 'browser', nodes: 3, trials: quick ? 5 : 20 }];
}

export async function runBrowserLeaderFeed(spec: CaseSpec): Promise<BrowserResult> {
  const trials = spec.trials ?? 20;
  const bench = await startBrowserBench();
  try {
    const context = await bench.browser.newContext({ baseURL: bench.baseURL });
    const figures: Record<string, Awaited<ReturnType<typeof runBackend>>> = {};
    for (const backend of BACKENDS) {
      figures[backend] = await runBackend(context, backend, trials).catch((error: unknown) => {
        throw new Error(`${backend}: ${error instanceof Error ? error.message : String(error)}`, {
          cause: error,
        });
      });
    }
    await context.close();
    const label = { weblocks: 'WebLocks', broadcastchannel: 'BroadcastChannel' } as const;
    const rows: TableRow[] = BACKENDS.flatMap((backend) => {
      const f = figures[backend]!;
      return [
        {
          benchmark: `leaderfeed ${label[backend]} 3 tabs, graceful failover (${trials} trials)`,
          figure: `median ${fmtMs(f.graceful.medianMs)}, max ${fmtMs(f.graceful.maxMs)}`,
          floor: `raw channel round trip ${fmtMs(f.floorRttMs)}; idle load ${fmtInt(f.messagesPerSec)} msg/s`,
          target: `median <= ${TARGETS.gracefulMs} ms`,
          met: f.graceful.medianMs <= TARGETS.gracefulMs,
        },
        {
          benchmark: `leaderfeed ${label[backend]} 3 tabs, crash failover (${trials} trials)`,
          figure: `median ${fmtMs(f.crash.medianMs)}, max ${fmtMs(f.crash.maxMs)}`,
          floor: 'electionTimeoutMaxMs + heartbeat = 700 ms',
          target: `median <= ${TARGETS.crashMs} ms`,
          met: f.crash.medianMs <= TARGETS.crashMs,
        },
      ];
    });
    const details = BACKENDS.map(
      (backend) =>
        `browser-leaderfeed ${backend}: graceful ${figures[backend]!.graceful.samples.map((s) => s.toFixed(1)).join(' ')} ms; crash ${figures[backend]!.crash.samples.map((s) => s.toFixed(0)).join(' ')} ms`,
    );
    return {
      name: spec.name,
      kind: 'browser',
      nodes: 3,
      rows,
      details,
      figures: { ...figures, targets: TARGETS },
    };
  } finally {
    await bench.close();
  }
}
