/**
 * One browser context of the WebSocket benchmark (bench/browser/websocket.ts opens three, one node
 * each): `bench.html?id=n1`. It measures the raw floor through the relay first, then runs a Raft node
 * with in-memory storage on a WebSocketTransport and proposes from the leader. Times are
 * `performance.now()` in ms (5 us steps: the page is cross-origin isolated).
 *
 * The floor is the message pattern of a 3-node commit with no Raft and no transport: one raw WebSocket
 * per page, the "leader" sends an append-sized frame through the relay to each "follower" page (other
 * contexts: other renderer processes, as the nodes are), each answers with an acknowledgement-sized
 * frame through the relay, and the round trip ends at the first answer (a majority of 3) or at the
 * last. The same-page floor (two sockets in one page, one answer) is measured too, for comparison.
 */
import type { RaftInterface } from '@webraft/core';
import { WebSocketTransport } from '@webraft/transport-websocket';
import { BenchRaft, Counter, fanOutLoop, proposeAsLeader, type Run } from '../bench-node.js';

const id = new URLSearchParams(location.search).get('id') ?? 'n1';
const COMMAND = { op: 'inc' };

/** An append of one entry and its acknowledgement, as Raft sends them at 1 in flight. */
const APPEND = {
  type: 'append',
  from: 'n1',
  to: 'n2',
  term: 1,
  index: 1,
  logTerm: 1,
  commit: 1,
  entries: [{ index: 2, term: 1, kind: 'command', data: COMMAND, client: 'n1~k3j4h5g6f7', seq: 1 }],
};
const ACK = { type: 'appendResponse', from: 'n2', to: 'n1', term: 1, index: 2, reject: false };

/** A raw relay connection as node `node` of `room`; resolves once the relay welcomed it. */
function connect(url: string, room: string, node: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url}/?room=${room}&node=${node}`);
    ws.onmessage = (event) => {
      if ((JSON.parse(event.data as string) as { k: string }).k === 'welcome') resolve(ws);
    };
    ws.onerror = () => reject(new Error(`could not connect to ${url}`));
  });
}

const sockets: WebSocket[] = [];

/**
 * Answers every message relayed to node `node` with an acknowledgement, decoding and encoding as the
 * transport does (parse the frame, stringify the answer). Stays until `closeFloor()`.
 */
async function echo(url: string, room: string, node: string): Promise<void> {
  const ws = await connect(url, room, node);
  sockets.push(ws);
  ws.onmessage = (event) => {
    const frame = JSON.parse(event.data as string) as { k: string; from: string; d: { n: number } };
    if (frame.k !== 'msg') return;
    ws.send(
      `{"k":"send","to":${JSON.stringify(frame.from)},"d":${JSON.stringify({ ...ACK, n: frame.d.n })}}`,
    );
  };
}

/**
 * Closed-loop round trips from a raw connection as `node` to every node of `to` (an append-sized frame
 * to each), `inflight` outstanding. Resolves with two runs: timed at the first answer, and at the last.
 */
async function ping(
  url: string,
  room: string,
  node: string,
  to: string[],
  ops: number,
  warmup: number,
  inflight: number,
): Promise<{ first: Run; all: Run }> {
  const ws = await connect(url, room, node);
  sockets.push(ws);
  const loop = fanOutLoop(to.length, ops, warmup, inflight, (n) => {
    for (const peer of to)
      ws.send(`{"k":"send","to":${JSON.stringify(peer)},"d":${JSON.stringify({ ...APPEND, n })}}`);
  });
  ws.onmessage = (event) => {
    const frame = JSON.parse(event.data as string) as { k: string; d: { n: number } };
    if (frame.k === 'msg') loop.answer(frame.d.n);
  };
  const result = await loop.result;
  ws.onmessage = null;
  return result;
}

function closeFloor(): void {
  for (const ws of sockets.splice(0)) ws.close();
}

// ------------------------------------------------------------------ the cluster

let raft: RaftInterface | null = null;

async function startNode(url: string, room: string, peers: string[]): Promise<void> {
  raft = new BenchRaft(id, {
    peers,
    transport: new WebSocketTransport({ url, room }),
    stateMachine: new Counter(),
  });
  await raft.start();
}

/** Closed-loop proposals on this (leader) page: `inflight` outstanding, `ops` measured after `warmup`. */
function propose(ops: number, warmup: number, inflight: number): Promise<Run> {
  return proposeAsLeader(raft, COMMAND, ops, warmup, inflight);
}

const bench = {
  id,
  echo,
  ping,
  closeFloor,
  startNode,
  propose,
  get state() {
    return raft?.state ?? 'stopped';
  },
  stop: () => raft?.stop(),
};
(window as unknown as { bench: typeof bench }).bench = bench;
document.body.dataset.ready = 'true';
