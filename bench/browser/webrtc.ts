/**
 * `pnpm bench --only webrtc`: the WebRTC transport in Chromium (Debian's, with the loopback flags of
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
import { startBrowserBench } from './chromium.js';

const fmt = (ms: number) => `${ms.toFixed(3)} ms`;

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

export async function runWebRtcBench(): Promise<void> {
  for (const factory of ['simple-peer', 'native'] as const) {
    console.log(
      `webrtc bench: Chromium, 3 contexts over WebRTC data channels (relay signaling, ${factory}) ...`,
    );
    for (const line of await benchCluster(factory)) console.log(`  ${line}`);
  }
}

async function benchCluster(factory: Factory): Promise<string[]> {
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
    const one = await call(leader, 'benchCommits', 2000, 1);
    const hundred = await call(leader, 'benchCommits', 20_000, 100);
    const offer = await call(pages[0]!, 'floorOffer');
    const answer = await call(pages[1]!, 'floorAnswer', offer);
    const floor = await call(pages[0]!, 'floorRun', answer, 3000);
    return [
      `3 contexts, 1 in flight    | commit p50 ${fmt(one.p50)}, p99 ${fmt(one.p99)} (${Math.round(one.perSecond)}/s) | data-channel floor (round trip) p50 ${fmt(floor.p50)}, p99 ${fmt(floor.p99)} | target p50 <= 2x floor: ${one.p50 <= 2 * floor.p50 ? 'yes' : 'NO'}`,
      `3 contexts, 100 in flight  | ${Math.round(hundred.perSecond)} commits/s, p50 ${fmt(hundred.p50)}, p99 ${fmt(hundred.p99)} | |`,
      `a context joining          | first message on a direct channel after ${fmt(firstDirect)} | | target <= 1000 ms: ${firstDirect <= 1000 ? 'yes' : 'NO'}`,
    ];
  } finally {
    await bench.close();
    await relay.stop();
  }
}
