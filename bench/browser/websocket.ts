/**
 * `pnpm bench --only websocket`: the WebSocket transport through the relay.
 *
 * 1. Chromium (Debian's), 3 browser contexts, one node each over WebSocketTransport with in-memory
 *    storage, through one relay process: commit latency p50/p99 at 1 in flight and commits/s at 100 in
 *    flight, timed inside the leader's page, beside the raw floor measured in the same run: two raw
 *    WebSockets in one page, a message through the relay to the other and back.
 * 2. Node, 1,000 connected clients: the relay's round trip (a client sends to itself through the relay,
 *    which validates, stamps and re-encodes) against a raw `ws` echo server with the same clients, so the
 *    difference is what the relay adds.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from '@playwright/test';
import { startRelayServer } from '@webraft/server';
import { freePort, startRelayProcess } from '@webraft/server/testing';
import { WebSocket, WebSocketServer } from 'ws';

const e2eDir = fileURLToPath(new URL('../../e2e/', import.meta.url));
const fmt = (ms: number) => `${ms.toFixed(3)} ms`;

/** What e2e/pages/transport-websocket/cluster.ts puts on `window.webraft`. */
interface PageApi {
  start(options: { urls: string[]; room: string; id: string; peers: string[] }): Promise<void>;
  status(): { state?: string };
  benchCommits(count: number, inflight: number): Promise<Percentiles & { perSecond: number }>;
  wsFloor(url: string, room: string, count: number): Promise<Percentiles>;
}

interface Percentiles {
  p50: number;
  p99: number;
}

async function browserCluster(): Promise<string[]> {
  const port = await freePort();
  const vite = spawn('pnpm', ['exec', 'vite', '--config', 'vite.config.ts'], {
    cwd: e2eDir,
    env: { ...process.env, E2E_PORT: String(port) },
    stdio: 'ignore',
  });
  const relay = await startRelayProcess(['--port', '0']);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  try {
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      if (
        await fetch(`${base}/index.html`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      if (i > 300) throw new Error('the test-page server did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    const ids = ['n1', 'n2', 'n3'];
    const pages: Page[] = [];
    for (const id of ids) {
      const page = await (await browser.newContext()).newPage();
      await page.goto(`${base}/transport-websocket/cluster.html`);
      await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
      await page.evaluate((o) => (globalThis as unknown as { webraft: PageApi }).webraft.start(o), {
        urls: [relay.url],
        room: 'bench',
        id,
        peers: ids,
      });
      pages.push(page);
    }
    let leader: Page | undefined;
    for (let i = 0; !leader && i < 200; i++) {
      for (const p of pages)
        if (
          (await p.evaluate(() => (globalThis as unknown as { webraft: PageApi }).webraft.status().state)) ===
          'leader'
        )
          leader = p;
      if (!leader) await new Promise((r) => setTimeout(r, 50));
    }
    if (!leader) throw new Error('no leader');
    const run = (count: number, inflight: number) =>
      leader!.evaluate(
        ([c, f]) => (globalThis as unknown as { webraft: PageApi }).webraft.benchCommits(c, f),
        [count, inflight] as const,
      );
    await run(500, 10); // warm-up
    const one = (await run(2000, 1)) as Percentiles & { perSecond: number };
    const hundred = (await run(20_000, 100)) as Percentiles & { perSecond: number };
    const floor = (await pages[0]!.evaluate(
      ([url, n]) => (globalThis as unknown as { webraft: PageApi }).webraft.wsFloor(url, 'bench-floor', n),
      [relay.url, 3000] as const,
    )) as Percentiles;
    return [
      `3 contexts, 1 in flight    | commit p50 ${fmt(one.p50)}, p99 ${fmt(one.p99)} (${Math.round(one.perSecond)}/s) | floor (page -> relay -> page -> back) p50 ${fmt(floor.p50)}, p99 ${fmt(floor.p99)} | target p50 <= 2x floor: ${one.p50 <= 2 * floor.p50 ? 'yes' : 'NO'}`,
      `3 contexts, 100 in flight  | ${Math.round(hundred.perSecond)} commits/s, p50 ${fmt(hundred.p50)}, p99 ${fmt(hundred.p99)} | |`,
    ];
  } finally {
    await browser.close();
    await relay.stop();
    vite.kill('SIGTERM');
  }
}

/** Round trips of one probe client while `idle` other clients are connected; `send` makes the probe's frame. */
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
  const sorted = samples.slice(count / 10).sort((a, b) => a - b);
  return { p50: sorted[Math.floor(sorted.length / 2)]!, p99: sorted[Math.floor(sorted.length * 0.99)]! };
}

async function relayOverhead(): Promise<string> {
  const CLIENTS = 1000;
  const ROUND_TRIPS = 5000;
  const echo = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  echo.on('connection', (ws) => ws.on('message', (data) => ws.send(data.toString())));
  await new Promise((resolve) => echo.once('listening', resolve));
  const echoUrl = `ws://127.0.0.1:${(echo.address() as { port: number }).port}`;
  const raw = await probe(echoUrl, CLIENTS, () => '', '{"k":"send","to":"probe","d":{"x":1}}', ROUND_TRIPS);
  await new Promise((resolve) => echo.close(resolve));
  const relay = await startRelayServer({ port: 0 });
  const room = (i: number) => `room=r${i % 100}&node=${i === CLIENTS ? 'probe' : `c${i}`}`;
  const relayed = await probe(relay.url, CLIENTS, room, '{"k":"send","to":"probe","d":{"x":1}}', ROUND_TRIPS);
  await relay.close();
  const added = relayed.p50 - raw.p50;
  return `relay vs raw ws echo, ${CLIENTS} clients | relay p50 ${fmt(relayed.p50)}, p99 ${fmt(relayed.p99)}; echo p50 ${fmt(raw.p50)}, p99 ${fmt(raw.p99)} | added p50 ${fmt(added)} | target <= 0.2 ms: ${added <= 0.2 ? 'yes' : 'NO'}`;
}

export async function runWebSocketBench(): Promise<void> {
  console.log('websocket bench: Chromium, 3 contexts through one relay process ...');
  for (const line of await browserCluster()) console.log(`  ${line}`);
  console.log('websocket bench: relay overhead in Node ...');
  console.log(`  ${await relayOverhead()}`);
}
