/**
 * `pnpm bench --only browser-webrtc` (or `--only webrtc`), and part of the full run: the WebRTC transport in Chromium (Debian's, with the loopback flags of
 * playwright.config.ts and the camera/microphone permission WebRTC over loopback needs).
 *
 * 3 browser contexts, one node each over WebRtcTransport with in-memory storage, signaled through one
 * relay process: commit latency p50/p99 at 1 in flight and commits/s at 100 in flight, timed inside the
 * leader's page, beside the raw data-channel round trip measured in the same run (an RTCPeerConnection
 * in each of two contexts, one small message there and back at a time); and the time from the third context joining
 * the room (its transport opening) to its first message delivered on a direct channel.
 */

import { startRelayProcess } from '@webraft/server/testing';
import type { Page } from 'playwright-core';
import type { BrowserResult, CaseSpec, TableRow } from '../lib/types.js';
import { startBrowserBench } from './chromium.js';

const fmt = (ms: number) => `${ms.toFixed(3)} ms`;

const TARGETS = { p50OverFloor: 2, firstDirectMs: 1000 };
const FACTORIES = ['simple-peer', 'native'] as const;

export function browserWebRtcCases(quick: boolean): CaseSpec[] {
  return [{ name: 'browser-webrtc', kind: 'browser', nodes: 3, ops: quick ? 500 : 2_000 }];
}

/** simple-peer (the default) or RTCPeerConnection directly (`createNativePeerConnection`). */
type Factory = 'simple-peer' | 'native';

interface Percentiles {
  p50: number;
  p99: number;
}

/** What e2e/pages/transport-webrtc/bench.ts puts on `window.webraft`. */
interface PageApi {
  start(options: { url: string; room: string; id: string; peers: string[]; factory: Factory }): Promise<void>;
  status(): { state?: string; directPeers: string[]; firstDirectMessageMs: number | null };
  benchCommits(ops: number, inflight: number): Promise<Percentiles & { perSecond: number }>;
  floorOffer(): Promise<string>;
  floorAnswer(offer: string): Promise<string>;
  floorRun(answer: string, count: number): Promise<Percentiles>;
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

/** Both peer-connection factories, each a 3-context cluster, as rows of the bench table. */
export async function runBrowserWebRtc(spec: CaseSpec): Promise<BrowserResult> {
  const rows: TableRow[] = [];
  const figures: Record<string, unknown> = { targets: TARGETS };
  for (const factory of FACTORIES) {
    const r = await benchCluster(factory, spec.ops ?? 2_000);
    figures[factory] = r;
    const label = `WebRTC (${factory}), 3 contexts (Chromium)`;
    rows.push(
      {
        benchmark: `${label}, commits 1 in flight`,
        figure: `${Math.round(r.one.perSecond)} commits/s  p50 ${fmt(r.one.p50)}  p99 ${fmt(r.one.p99)} (${(r.one.p50 / r.floor.p50).toFixed(2)}x floor p50)`,
        floor: `raw data-channel round trip: p50 ${fmt(r.floor.p50)}  p99 ${fmt(r.floor.p99)}`,
        target: `p50 <= ${TARGETS.p50OverFloor}x floor`,
        met: r.one.p50 <= TARGETS.p50OverFloor * r.floor.p50,
      },
      {
        benchmark: `${label}, commits 100 in flight`,
        figure: `${Math.round(r.hundred.perSecond)} commits/s  p50 ${fmt(r.hundred.p50)}  p99 ${fmt(r.hundred.p99)}`,
        floor: '',
        target: '',
        met: null,
      },
      {
        benchmark: `${label}, a context joining to its first direct message`,
        figure: fmt(r.firstDirect),
        floor: '',
        target: `<= ${TARGETS.firstDirectMs} ms`,
        met: r.firstDirect <= TARGETS.firstDirectMs,
      },
    );
  }
  return { name: spec.name, kind: 'browser', nodes: 3, rows, details: [], figures };
}

async function benchCluster(factory: Factory, ops: number) {
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
    const firstDirect = await until(
      'n3 to receive on a direct channel',
      async () => (await call(newcomer, 'status')).firstDirectMessageMs ?? undefined,
    );
    for (const page of pages)
      await until('a full mesh', async () =>
        (await call(page, 'status')).directPeers.length === 2 ? true : undefined,
      );
    const leader = await until('a leader', async () => {
      for (const page of pages) if ((await call(page, 'status')).state === 'leader') return page;
      return undefined;
    });
    await call(leader, 'benchCommits', 500, 10); // warm-up
    const one = await call(leader, 'benchCommits', ops, 1);
    const hundred = await call(leader, 'benchCommits', 10 * ops, 100);
    const offer = await call(pages[0]!, 'floorOffer');
    const answer = await call(pages[1]!, 'floorAnswer', offer);
    const floor = await call(pages[0]!, 'floorRun', answer, 3000);
    return { one, hundred, floor, firstDirect };
  } finally {
    await bench.close();
    await relay.stop();
  }
}
