/**
 * One context of the WebRTC benchmark (bench/browser/webrtc.ts opens three): a Raft node with in-memory
 * storage on a WebRtcTransport signaled through the relay, proposals from the leader, and the floor on
 * the transport's own data channels (channel-floor.ts): the leader's page sends an append-sized frame to
 * each of its two peers and the round trip ends at the first answer, the message pattern of a commit
 * with no Raft and no transport. Times are `performance.now()` in ms (5 us steps: the page is
 * cross-origin isolated).
 */
import type { RaftInterface } from '@webraft/core';
import { createNativePeerConnection, RelaySignaling, WebRtcTransport } from '@webraft/transport-webrtc';
import { BenchRaft, Counter, closedLoop, type Run } from '../bench-node.js';
import { channelFloor } from './channel-floor.js';

let node: RaftInterface | null = null;
let transport: WebRtcTransport | null = null;
let startedAt = 0;
/** ms from `start` to the first message this node received on a direct channel. */
let firstDirectMessageMs: number | null = null;
const floor = channelFloor();

/** A node that notes when the first message reached it on a direct data channel. */
class TimedRaft extends BenchRaft {
  override gotData(from: string, payload: unknown): void {
    if (firstDirectMessageMs === null && transport?.link(from)?.direct)
      firstDirectMessageMs = performance.now() - startedAt;
    super.gotData(from, payload);
  }
}

async function start(options: {
  url: string;
  room: string;
  id: string;
  peers: string[];
  /** `native`: RTCPeerConnection directly; default simple-peer. */
  factory?: 'native' | 'simple-peer';
}): Promise<void> {
  startedAt = performance.now();
  transport = new WebRtcTransport({
    signaling: new RelaySignaling({ url: options.url }),
    room: options.room,
    wrtc: floor.wrtc,
    ...(options.factory === 'native' ? { peerConnectionFactory: createNativePeerConnection } : {}),
  });
  node = new TimedRaft(options.id, { peers: options.peers, transport, stateMachine: new Counter() });
  await node.start();
}

/** Closed-loop proposals on this (leader) page: `inflight` outstanding, `ops` measured after `warmup`. */
async function benchCommits(ops: number, warmup: number, inflight: number): Promise<Run> {
  const raft = node as RaftInterface;
  const run = await closedLoop(inflight, ops, warmup, (i) =>
    raft.propose({ op: 'inc', i }, { timeoutMs: 10_000 }),
  );
  if (raft.state !== 'leader') throw new Error('leadership changed during the run');
  return run;
}

/** The floor from this page over the transport's open data channels (see channel-floor.ts). */
const benchFloor = (ops: number, warmup: number, inflight: number, peers?: number) =>
  floor.ping(ops, warmup, inflight, peers);

function status() {
  return {
    state: node?.state,
    directPeers: transport?.directPeers ?? [],
    openChannels: floor.openChannels().length,
    framesSent: transport?.stats.framesSent ?? 0,
    framesReceived: transport?.stats.framesReceived ?? 0,
    firstDirectMessageMs,
  };
}

Object.assign(window, { webraft: { start, status, benchCommits, benchFloor } });
document.body.dataset.ready = 'true';
