/**
 * One tab's leader feed (`?backend=weblocks|broadcastchannel&name=<feed>&id=<tab>`), on the page's real
 * Web Locks, BroadcastChannel and IndexedDB. While it leads, its job writes to the spec's fenced
 * resource (`window.fencedWrite`, exposed by the spec) under its token. Exposes what the specs ask about
 * as `window.lf`.
 */
import { BroadcastChannelLeaderFeed, type LeaderFeed, WebLocksLeaderFeed } from '@webraft/leaderfeed';

interface Leadership {
  state: 'leader' | 'follower';
  token: number | undefined;
  /**
   * Wall-clock time in ms (shared by every tab of the machine, so the spec can order tabs' events),
   * with the sub-ms steps of `performance.now()` for the benchmark.
   */
  at: number;
}

declare global {
  interface Window {
    fencedWrite?: (token: number, writer: string) => Promise<boolean>;
  }
}

const params = new URLSearchParams(location.search);
const backend = params.get('backend') ?? 'weblocks';
const name = params.get('name') ?? 'e2e-leaderfeed';
const id = params.get('id') ?? crypto.randomUUID().slice(0, 8);

// Timing from the spec (`?electionTimeoutMinMs=`): on a loaded machine a tab can stall for longer than
// the default 300 ms lease, and a lost lease, though safe, is not what a spec about failover tests.
const timing = {
  id,
  ...(params.has('electionTimeoutMinMs') && {
    electionTimeoutMinMs: Number(params.get('electionTimeoutMinMs')),
  }),
};
const feed: LeaderFeed =
  backend === 'weblocks' ? new WebLocksLeaderFeed(timing) : new BroadcastChannelLeaderFeed(timing);
const history: Leadership[] = [];
const errors: string[] = [];
let lockBusy = 0;
let heartbeatsHeard = 0;
let messagesHeard = 0;
const wallNow = () => performance.timeOrigin + performance.now();
feed.on('new state', (state, token) => history.push({ state, token, at: wallNow() }));
feed.on('heartbeat error', (error) => errors.push((error as { code?: string }).code ?? String(error)));
feed.on('change', (change) => {
  if ((change as { type?: string }).type === 'lock busy') lockBusy++;
});

// Both backends carry heartbeats on a BroadcastChannel of the feed's name: count them from outside.
const listener = new BroadcastChannel(name);
listener.onmessage = (event: MessageEvent) => {
  messagesHeard++;
  if ((event.data as { type?: string }).type === 'heartbeat') heartbeatsHeard++;
};

// The benchmark's floor: a raw round trip to the other tabs over a channel of its own (every tab echoes).
const ping = new BroadcastChannel(`${name}:ping`);
let pong: ((at: number) => void) | undefined;
ping.onmessage = (event: MessageEvent) => {
  const m = event.data as { type: string; from: string; at: number };
  if (m.type === 'ping') ping.postMessage({ type: 'pong', from: m.from, at: m.at });
  else if (m.type === 'pong' && m.from === id) pong?.(m.at);
};
/** Median round trip (ms) of `n` pings answered by the first other tab to echo. */
async function pingFloor(n: number): Promise<number> {
  const rtts: number[] = [];
  for (let i = 0; i < n; i++) {
    const at = performance.now();
    await new Promise<void>((resolve) => {
      pong = (sent) => {
        if (sent !== at) return;
        pong = undefined;
        resolve();
      };
      ping.postMessage({ type: 'ping', from: id, at });
    });
    rtts.push(performance.now() - at);
  }
  return rtts.sort((a, b) => a - b)[Math.floor(rtts.length / 2)]!;
}

// The leader's job: a write under its fencing token, every 50 ms (the resource refuses a stale one).
setInterval(() => {
  if (feed.isLeader) void window.fencedWrite?.(feed.token!, id);
}, 50);

// A graceful close resigns, so the next leader need not wait out an election timeout.
window.addEventListener('pagehide', () => void feed.stop());

const start = () => feed.start(backend === 'weblocks' ? { name } : { channel: name });
await start();

const lastLedToken = () => history.findLast((h) => h.state === 'leader')?.token;

const lf = {
  id,
  view: () => ({
    id,
    isLeader: feed.isLeader,
    token: feed.token,
    leader: feed.leader,
    history,
    errors,
    lockBusy,
    heartbeatsHeard,
    messagesHeard,
  }),
  pingFloor,
  /** A graceful stop (the benchmark's): when it began, on the wall clock. */
  stop: async () => {
    const at = wallNow();
    await feed.stop();
    return at;
  },
  start: async () => {
    await start();
  },
  /** A write under the last token this tab led with, as a job that missed its step-down would make. */
  staleWrite: () => window.fencedWrite!(lastLedToken()!, id),
};
(window as unknown as { lf: typeof lf }).lf = lf;
document.body.dataset.ready = 'true';
