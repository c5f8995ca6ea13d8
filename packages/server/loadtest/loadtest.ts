/**
 * `pnpm --filter @webraft/server loadtest [--clients 1000] [--rooms 100] [--seconds 30] [--rate 10] [--mode all|echo|forward|single|redis]`
 *
 * Loopback only, bounded in count and time, stops by itself. Starts the relay as a child process (the
 * CLI), opens `clients` WebSocket connections spread over `rooms` rooms, and has each client send `rate`
 * messages per second to a random other member of its room for `seconds` seconds; then waits for every
 * message to arrive (or a drain deadline). Once against one relay, once against two relays sharing a
 * redis-server (started here on a free loopback port), with each room's members split across both.
 * First, the baseline: the same clients and traffic against a raw `ws` echo server process
 * (loadtest/echo-server.ts), which sends each message back to its sender; what the relay adds is its
 * latency less the echo's, measured in the same run (target: at most 0.2 ms p50). A second baseline,
 * a raw `ws` forwarder (loadtest/forward-server.ts), writes each frame as it came to the connection
 * its `to` names: what relaying costs before anything of the relay.
 *
 * Reports messages/s delivered, relay latency (send to receipt, both ends in this process, so one
 * clock), the server processes' peak RSS and CPU, errors (socket errors, unexpected closes, server drops)
 * and lost messages (sent on healthy connections, never received). Writes loadtest/results/<date>.json.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';
import {
  type RedisProcess,
  type RelayProcess,
  startListeningProcess,
  startRedis,
  startRelayProcess,
} from '../src/testing/index.js';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '1000' },
    rooms: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '30' },
    rate: { type: 'string', default: '10' },
    mode: { type: 'string', default: 'all' },
  },
});
const CLIENTS = Number(values.clients);
const ROOMS = Number(values.rooms);
const SECONDS = Number(values.seconds);
const RATE = Number(values.rate);
type Mode = 'echo' | 'forward' | 'single' | 'redis';
/** `both` is what `all` was called before the echo baseline. */
const MODES: Mode[] =
  values.mode === 'all'
    ? ['echo', 'forward', 'single', 'redis']
    : values.mode === 'both'
      ? ['single', 'redis']
      : [values.mode as Mode];
/** What the relay may add to the raw echo's p50 (ms): the transport issue's target. */
const ADDED_P50_TARGET_MS = 0.2;
for (const [name, v, max] of [
  ['clients', CLIENTS, 5000],
  ['rooms', ROOMS, CLIENTS],
  ['seconds', SECONDS, 300],
  ['rate', RATE, 100],
] as const)
  if (!Number.isInteger(v) || v < 1 || v > max)
    throw new Error(`--${name} must be an integer from 1 to ${max}`);
if (CLIENTS / ROOMS < 2) throw new Error('each room needs at least two clients');
if (!MODES.every((m) => m === 'echo' || m === 'forward' || m === 'single' || m === 'redis'))
  throw new Error('--mode must be all, echo, forward, single or redis');

/** Whatever happens, the run ends: connecting, the measured phase, draining and shutdown have a deadline. */
const HARD_DEADLINE_MS = (SECONDS * MODES.length + 120) * 1000;
setTimeout(() => {
  console.error(`loadtest: still running after ${HARD_DEADLINE_MS / 1000} s; giving up`);
  process.exit(1);
}, HARD_DEADLINE_MS).unref();

const DRAIN_MS = 10_000;
const TICK_MS = 5;

interface Client {
  i: number;
  room: number;
  ws: WebSocket;
  peers: string[];
  /** Room members this client has been told about (welcome, joined). */
  known: Set<string>;
  healthy: boolean;
}

/** Seconds of traffic before the measured window (connections and JIT warm up; not recorded). */
const WARMUP_SECONDS = 3;

/** Resident memory (bytes) and CPU time (seconds) of a process, from /proc (Linux). */
function processUsage(pid: number): { rss: number; cpuSeconds: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime are fields 14 and 15 of stat (12 and 13 after the command name), in clock ticks (100/s).
  const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / 100;
  return { rss, cpuSeconds };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

async function scrapeDrops(relay: RelayProcess): Promise<Record<string, number>> {
  const text = await (await fetch(`${relay.url.replace('ws:', 'http:')}/metrics`)).text();
  const drops: Record<string, number> = {};
  for (const m of text.matchAll(/^webraft_drops_total\{reason="(\w+)"\} (\d+)$/gm))
    drops[m[1]!] = Number(m[2]);
  return drops;
}

const echoServer = fileURLToPath(new URL('./echo-server.ts', import.meta.url));
const forwardServer = fileURLToPath(new URL('./forward-server.ts', import.meta.url));

async function runMode(mode: Mode) {
  let redis: RedisProcess | null = null;
  const relays: RelayProcess[] = [];
  /** The raw baselines: no rooms, no welcome, frames delivered as the client sent them. */
  const echo = mode === 'echo' || mode === 'forward';
  try {
    if (echo)
      relays.push(
        await startListeningProcess(['--import', 'tsx', mode === 'echo' ? echoServer : forwardServer]),
      );
    else if (mode === 'redis') {
      redis = await startRedis();
      for (const id of ['A', 'B'])
        relays.push(await startRelayProcess(['--port', '0', '--redis', redis.url, '--relay-id', id]));
    } else relays.push(await startRelayProcess(['--port', '0']));

    let errors = 0;
    let unexpectedCloses = 0;
    let sent = 0;
    let received = 0;
    let sentHealthy = 0;
    const latencies = new Float64Array(Math.ceil(CLIENTS * RATE * SECONDS * 1.1) + 1000);
    let recorded = 0;
    let receivedInWindow = 0;
    /** Messages sent in [start, end) (performance.now()) are the measured ones. */
    const window = { start: Number.POSITIVE_INFINITY, end: Number.POSITIVE_INFINITY };

    // Connect in batches of 100, each client waiting for its welcome.
    const clients: Client[] = [];
    const t0 = performance.now();
    for (let start = 0; start < CLIENTS; start += 100) {
      const batch: Promise<void>[] = [];
      for (let i = start; i < Math.min(CLIENTS, start + 100); i++) {
        const room = i % ROOMS;
        const relay = relays[Math.floor(i / ROOMS) % relays.length]!;
        const ws = new WebSocket(`${relay.url}/?room=load-${room}&node=c${i}`);
        const client: Client = { i, room, ws, peers: [], known: new Set(), healthy: true };
        clients.push(client);
        batch.push(
          new Promise<void>((resolve, reject) => {
            ws.on('message', (data) => {
              const frame = JSON.parse(data.toString()) as {
                k: string;
                d?: { t: number };
                peers?: string[];
                id?: string;
              };
              // The baselines deliver the client's own `send` frame; the relay delivers a `msg`.
              if (frame.k === (echo ? 'send' : 'msg')) {
                const t = frame.d!.t;
                received++;
                if (t >= window.start && t < window.end) {
                  receivedInWindow++;
                  if (recorded < latencies.length) latencies[recorded++] = performance.now() - t;
                }
              } else if (frame.k === 'welcome') {
                for (const p of frame.peers ?? []) client.known.add(p);
                resolve();
              } else if (frame.k === 'joined') client.known.add(frame.id!);
            });
            // The baselines have no rooms and say no welcome: open is connected.
            if (echo) ws.once('open', () => resolve());
            ws.on('error', (error) => {
              errors++;
              reject(error);
            });
            ws.on('close', () => {
              if (client.healthy) unexpectedCloses++;
              client.healthy = false;
            });
          }),
        );
      }
      await Promise.all(batch);
    }
    for (const c of clients) {
      c.peers = clients.filter((o) => o.room === c.room && o !== c).map((o) => `c${o.i}`);
      if (echo) c.known = new Set(c.peers);
    }
    // Every client has heard of every member of its room (so every relay knows where each member is).
    const membershipDeadline = performance.now() + 30_000;
    while (!clients.every((c) => c.known.size === c.peers.length)) {
      if (performance.now() > membershipDeadline) {
        const c = clients.find((x) => x.known.size !== x.peers.length)!;
        throw new Error(
          `room membership did not settle in 30 s: c${c.i} knows ${[...c.known]} of ${c.peers}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const connectSeconds = (performance.now() - t0) / 1000;

    // Traffic: every TICK_MS, as many sends as are due for CLIENTS * RATE messages per second, round
    // robin over the clients, so each sends RATE per second. A warm-up first, then the measured window.
    const peakRss = relays.map(() => 0);
    const trafficStart = performance.now();
    window.start = trafficStart + WARMUP_SECONDS * 1000;
    window.end = window.start + SECONDS * 1000;
    let usageBefore = relays.map((r) => processUsage(r.child.pid!));
    let genBefore = process.cpuUsage();
    let next = 0;
    let ticks = 0;
    let measuredStarted = false;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const now = performance.now();
        if (!measuredStarted && now >= window.start) {
          measuredStarted = true;
          usageBefore = relays.map((r) => processUsage(r.child.pid!));
          genBefore = process.cpuUsage();
        }
        if (now >= window.end) {
          clearInterval(timer);
          resolve();
          return;
        }
        const due = Math.floor(((now - trafficStart) / 1000) * CLIENTS * RATE);
        while (sent < due) {
          const c = clients[next++ % clients.length]!;
          const to = c.peers[Math.floor(Math.random() * c.peers.length)]!;
          if (c.healthy) {
            c.ws.send(`{"k":"send","to":"${to}","d":{"t":${performance.now()},"s":${sent}}}`);
            sentHealthy++;
          }
          sent++;
        }
        if (++ticks % 100 === 0)
          relays.forEach((r, k) => {
            peakRss[k] = Math.max(peakRss[k]!, processUsage(r.child.pid!).rss);
          });
      }, TICK_MS);
    });
    const started = window.start;
    const elapsed = (performance.now() - started) / 1000;
    const usageAfter = relays.map((r) => processUsage(r.child.pid!));
    const gen = process.cpuUsage(genBefore);

    // Drain: wait until every message arrived, or the deadline.
    const drainStart = performance.now();
    while (received < sentHealthy && performance.now() - drainStart < DRAIN_MS)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const drops = Object.assign({}, ...(echo ? [] : await Promise.all(relays.map(scrapeDrops)))) as Record<
      string,
      number
    >;
    for (const c of clients) {
      c.healthy = false;
      c.ws.terminate();
    }
    const sorted = latencies.slice(0, recorded).sort();
    return {
      mode,
      relays: relays.length,
      clients: CLIENTS,
      rooms: ROOMS,
      seconds: Math.round(elapsed * 10) / 10,
      warmupSeconds: WARMUP_SECONDS,
      connectSeconds: Math.round(connectSeconds * 10) / 10,
      sent,
      received,
      lost: sentHealthy - received,
      messagesPerSecond: Math.round(receivedInWindow / elapsed),
      latencyMs: {
        p50: percentile(sorted, 0.5),
        p99: percentile(sorted, 0.99),
        p999: percentile(sorted, 0.999),
        max: sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
      },
      relayRssMB: peakRss.map((b) => Math.round(b / 1e5) / 10),
      relayCpuPercent: relays.map(
        (_, k) =>
          Math.round(((usageAfter[k]!.cpuSeconds - usageBefore[k]!.cpuSeconds) / elapsed) * 1000) / 10,
      ),
      generatorCpuPercent: Math.round(((gen.user + gen.system) / 1e6 / elapsed) * 1000) / 10,
      errors: errors + unexpectedCloses + Object.values(drops).reduce((a, b) => a + b, 0),
      socketErrors: errors,
      unexpectedCloses,
      serverDrops: drops,
    };
  } finally {
    await Promise.all(relays.map((r) => r.stop()));
    await redis?.stop();
  }
}

const results = [];
for (const mode of MODES) {
  console.log(`loadtest ${mode}: ${CLIENTS} clients, ${ROOMS} rooms, ${RATE} msg/s each, ${SECONDS} s ...`);
  const r = await runMode(mode);
  results.push(r);
  const f = (x: number) => x.toFixed(2);
  const server =
    mode === 'echo' ? 'raw ws echo' : mode === 'forward' ? 'raw ws forward' : `${r.relays} relay(s)`;
  console.log(
    `  ${server}: ${r.messagesPerSecond} msg/s delivered; latency p50 ${f(r.latencyMs.p50)} ms, p99 ${f(r.latencyMs.p99)} ms, p99.9 ${f(r.latencyMs.p999)} ms, max ${f(r.latencyMs.max)} ms`,
  );
  console.log(
    `  sent ${r.sent}, received ${r.received}, lost ${r.lost}, errors ${r.errors}; server RSS ${r.relayRssMB.join(' / ')} MB, server CPU ${r.relayCpuPercent.join(' / ')} % (${r.relayCpuPercent.map((p) => ((p * 1e4) / Math.max(1, r.messagesPerSecond)).toFixed(1)).join(' / ')} us per message), load generator CPU ${r.generatorCpuPercent} %; connected in ${r.connectSeconds} s`,
  );
}
const ADDED_NOTE: Record<Mode, string> = {
  echo: '',
  forward: ' (no relay: the cost of writing to another connection than the one read)',
  single: `; target <= ${ADDED_P50_TARGET_MS} ms p50`,
  redis: ' (one relay is the target; with Redis a message may cross two relays)',
};
/** What each relay setup adds to the raw echo's latency, when both ran. */
const baseline = results.find((r) => r.mode === 'echo');
const added = baseline
  ? results
      .filter((r) => r.mode !== 'echo')
      .map((r) => ({
        mode: r.mode,
        addedP50Ms: r.latencyMs.p50 - baseline.latencyMs.p50,
        addedP99Ms: r.latencyMs.p99 - baseline.latencyMs.p99,
      }))
  : [];
for (const a of added)
  console.log(
    `${a.mode === 'forward' ? 'raw forwarding' : `relay (${a.mode})`} adds ${a.addedP50Ms.toFixed(3)} ms p50 (${a.addedP99Ms.toFixed(2)} ms p99) to the raw ws echo at ${CLIENTS} clients${ADDED_NOTE[a.mode]}${a.mode === 'single' ? (a.addedP50Ms <= ADDED_P50_TARGET_MS ? ': met' : ': NOT met') : ''}`,
  );
const dir = join(dirname(fileURLToPath(import.meta.url)), 'results');
mkdirSync(dir, { recursive: true });
const stamp = new Date()
  .toISOString()
  .replace(/\.\d+Z$/, 'Z')
  .replace(/:/g, '-');
const file = join(dir, `${stamp}.json`);
writeFileSync(
  file,
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, addedToEcho: added, results }, null, 2)}\n`,
);
console.log(`wrote ${file}`);
const failed = results.some((r) => r.lost > 0 || r.errors > 0);
process.exit(failed ? 1 : 0);
