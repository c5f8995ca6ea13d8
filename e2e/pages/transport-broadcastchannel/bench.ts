/**
 * One tab of the BroadcastChannel benchmark (bench/browser/broadcastchannel.ts opens three):
 * `bench.html?id=a&cluster=X`. It measures the raw channel first (the floor: ping-pong between two
 * tabs while the third listens, as every post reaches every tab of a cluster's channel), then runs a
 * Raft node with in-memory storage on a BroadcastChannelTransport, and proposes from the leader.
 * Times are `performance.now()` in ms (5 us steps: the page is cross-origin isolated).
 */
import type { RaftInterface } from '@webraft/core';
import { BroadcastChannelTransport } from '@webraft/transport-broadcastchannel';
import { BenchRaft, Counter, proposeAsLeader } from '../bench-node.js';

const params = new URLSearchParams(location.search);
const id = params.get('id') ?? 'a';
const cluster = params.get('cluster') ?? 'bench';
const peers = ['a', 'b', 'c'];

const COMMAND = { op: 'inc' };

/**
 * A payload like an append the leader sends at 100 in flight: several entries with client ids. The
 * encoding comparison (object vs JSON string) moves this through the channel both ways.
 */
const APPEND_LIKE = {
  type: 'append',
  from: 'a',
  to: 'b',
  term: 3,
  index: 12345,
  logTerm: 3,
  commit: 12340,
  entries: Array.from({ length: 16 }, (_, i) => ({
    index: 12346 + i,
    term: 3,
    kind: 'command',
    data: COMMAND,
    client: 'a~k3j4h5g6f7',
    seq: 900 + i,
  })),
};

type Encoding = 'string' | 'object';

// ------------------------------------------------------------------ the floor: the raw channel

const floor = new BroadcastChannel(`bench-floor:${cluster}`);
/** Answers pings addressed to this tab, in the given encoding (echo tab). */
floor.onmessage = (event: MessageEvent) => {
  const frame = event.data as { to: string; from: string; n: number; p: unknown; enc: Encoding };
  // Pongs (n < 0) are for the pinging tab's own channel object.
  if (frame.to !== id || frame.from === id || frame.n < 0) return;
  const payload = frame.enc === 'string' ? JSON.parse(frame.p as string) : frame.p;
  const reply = frame.enc === 'string' ? JSON.stringify(payload) : payload;
  floor.postMessage({ to: frame.from, from: id, n: -1 - frame.n, p: reply, enc: frame.enc });
};

/**
 * Round trips to `to` through the raw channel: `inflight` pings outstanding, `ops` measured after
 * `warmup`. With the `string` encoding both ends stringify and parse, as the transport does.
 */
function ping(to: string, ops: number, warmup: number, inflight: number, payload: unknown, enc: Encoding) {
  return new Promise<{ latencies: number[]; seconds: number }>((resolve) => {
    const channel = new BroadcastChannel(`bench-floor:${cluster}`);
    const total = ops + warmup;
    const sentAt = new Float64Array(total);
    const latencies: number[] = [];
    let next = 0;
    let done = 0;
    let start = 0;
    const send = () => {
      const n = next++;
      sentAt[n] = performance.now();
      channel.postMessage({ to, from: id, n, p: enc === 'string' ? JSON.stringify(payload) : payload, enc });
    };
    channel.onmessage = (event: MessageEvent) => {
      const frame = event.data as { to: string; n: number; p: unknown; enc: Encoding };
      if (frame.to !== id || frame.n >= 0) return;
      if (enc === 'string') JSON.parse(frame.p as string);
      const n = -1 - frame.n;
      const t = performance.now();
      if (n >= warmup) latencies.push(t - sentAt[n]!);
      done++;
      if (done === warmup) start = t;
      if (done === total) {
        channel.close();
        resolve({ latencies, seconds: (t - start) / 1000 });
      } else if (next < total) send();
    };
    for (let i = 0; i < Math.min(inflight, total); i++) send();
  });
}

/**
 * CPU per message in this tab, us, for `payload`, `ops` times each (no channel: the copying alone).
 * `structuredClone` is what a post costs its sender and each receiving tab together.
 */
function encodingCost(payload: unknown, ops: number) {
  const time = (fn: () => unknown) => {
    for (let i = 0; i < ops / 10; i++) fn(); // warm up
    const t0 = performance.now();
    for (let i = 0; i < ops; i++) fn();
    return ((performance.now() - t0) * 1000) / ops;
  };
  const json = JSON.stringify(payload);
  let measured = 0;
  const costs = {
    chars: json.length,
    // The transport's path: stringify, clone a string, parse (in the addressed tab).
    string: time(() => JSON.parse(structuredClone(JSON.stringify(payload)))),
    // A structured-cloned object (with the size check the contract needs, the sender stringifies too).
    object: time(() => structuredClone(payload)),
    objectWithSizeCheck: time(() => {
      measured += JSON.stringify(payload).length;
      return structuredClone(payload);
    }),
    // What a tab not addressed pays to see the envelope: a string copy, or the whole object rebuilt.
    notForMeString: time(() => structuredClone({ t: 'b', p: json })),
    notForMeObject: time(() => structuredClone({ t: 'b', p: payload })),
  };
  if (measured === 0) throw new Error('the size check did not run');
  return costs;
}

// ------------------------------------------------------------------ the cluster

let raft: RaftInterface | null = null;

async function startNode(): Promise<void> {
  raft = new BenchRaft(id, {
    peers,
    transport: new BroadcastChannelTransport({ cluster }),
    stateMachine: new Counter(),
  });
  await raft.start();
}

/** Closed-loop proposals on this (leader) tab: `inflight` outstanding, `ops` measured after `warmup`. */
function propose(ops: number, warmup: number, inflight: number) {
  return proposeAsLeader(raft, COMMAND, ops, warmup, inflight);
}

const bench = {
  id,
  ping,
  encodingCost,
  appendLike: () => APPEND_LIKE,
  startNode,
  propose,
  get state() {
    return raft?.state ?? 'stopped';
  },
  stop: () => raft?.stop(),
};
(window as unknown as { bench: typeof bench }).bench = bench;
document.body.dataset.ready = 'true';
