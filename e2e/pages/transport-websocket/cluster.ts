import { RaftInterface, type StateMachine } from '@webraft/core';
import { WebSocketTransport } from '@webraft/transport-websocket';
import { proposeOn } from '../propose.js';

/** Appends every command to a list: two nodes agree iff one list is a prefix of the other. */
class ListMachine implements StateMachine {
  items: unknown[] = [];
  apply(command: unknown): unknown {
    this.items.push(command);
    return this.items.length;
  }
  snapshot(): unknown {
    return this.items;
  }
  restore(snapshot: unknown): void {
    this.items = [...(snapshot as unknown[])];
  }
}

let node: RaftInterface | null = null;
let transport: WebSocketTransport | null = null;
const machine = new ListMachine();
const errors: string[] = [];

/** Starts this page's node: one Raft member over WebSocket through the relay(s) at `urls`. */
async function start(options: { urls: string[]; room: string; id: string; peers: string[] }): Promise<void> {
  transport = new WebSocketTransport({ url: options.urls, room: options.room });
  node = new RaftInterface(options.id, { peers: options.peers, transport, stateMachine: machine });
  node.listen('error', (error: unknown) => void errors.push(String((error as Error).message ?? error)));
  await node.start();
}

/** Proposes `command` on this page's node (see ../propose.ts). */
const propose = (command: unknown, timeoutMs?: number) => proposeOn(node, command, timeoutMs);

function status() {
  return {
    state: node?.state,
    leader: node?.leader,
    term: node?.term,
    commitIndex: node?.commitIndex,
    items: machine.items,
    connection: transport?.state,
    peers: transport?.peers,
    errors: errors.slice(-20),
  };
}

Object.assign(window, { webraft: { start, propose, status } });
document.body.dataset.ready = 'true';

const percentiles = (samples: number[]) => {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
  return { p50: at(0.5), p99: at(0.99) };
};

/** Benchmark (this page must hold the leader): `count` commits with `inflight` outstanding, timed in the page. */
async function benchCommits(count: number, inflight: number) {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const t0 = performance.now();
      await node!.propose({ bench: i }, { timeoutMs: 10_000 });
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: inflight }, worker));
  const seconds = (performance.now() - started) / 1000;
  return { ...percentiles(latencies), perSecond: count / seconds };
}

/**
 * The floor: two raw WebSockets in this page, one message at a time from one to the other and back
 * through the relay (no Raft, no transport); round-trip times in ms.
 */
async function wsFloor(url: string, room: string, count: number) {
  const open = (id: string) =>
    new Promise<WebSocket>((resolve) => {
      const ws = new WebSocket(`${url}/?room=${room}&node=${id}`);
      ws.onmessage = (e) => {
        if (JSON.parse(e.data as string).k === 'welcome') resolve(ws);
      };
    });
  const a = await open('floor-a');
  const b = await open('floor-b');
  b.onmessage = (e) => {
    const f = JSON.parse(e.data as string);
    if (f.k === 'msg') b.send(JSON.stringify({ k: 'send', to: 'floor-a', d: f.d }));
  };
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await new Promise<void>((resolve) => {
      a.onmessage = (e) => {
        if (JSON.parse(e.data as string).k === 'msg') resolve();
      };
      a.send(JSON.stringify({ k: 'send', to: 'floor-b', d: { i } }));
    });
    samples.push(performance.now() - t0);
  }
  a.close();
  b.close();
  return percentiles(samples.slice(Math.floor(count / 10)));
}

Object.assign((window as unknown as { webraft: object }).webraft, { benchCommits, wsFloor });
