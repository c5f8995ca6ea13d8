/**
 * One context of the WebRTC benchmark (bench/browser/webrtc.ts opens three): a Raft node with in-memory
 * storage on a WebRtcTransport signaled through the relay, proposals from the leader, and the floor: a
 * raw data channel to another context, one message there and back at a time.
 * Times are `performance.now()` in ms (5 us steps: the page is cross-origin isolated).
 */
import type { RaftInterface } from '@webraft/core';
import { createNativePeerConnection, RelaySignaling, WebRtcTransport } from '@webraft/transport-webrtc';
import { BenchRaft, Counter, closedLoop } from '../bench-node.js';

let node: RaftInterface | null = null;
let transport: WebRtcTransport | null = null;
let startedAt = 0;
/** ms from `start` to the first message this node received on a direct channel. */
let firstDirectMessageMs: number | null = null;

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
    ...(options.factory === 'native' ? { peerConnectionFactory: createNativePeerConnection } : {}),
  });
  node = new TimedRaft(options.id, { peers: options.peers, transport, stateMachine: new Counter() });
  await node.start();
}

const percentiles = (samples: number[]) => {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
  return { p50: at(0.5), p99: at(0.99) };
};

async function benchCommits(ops: number, inflight: number) {
  const run = await closedLoop(inflight, ops, Math.min(200, ops), (i) =>
    (node as RaftInterface).propose({ op: 'inc', i }, { timeoutMs: 10_000 }),
  );
  return { ...percentiles(run.latencies), perSecond: ops / run.seconds };
}

// ------------------------------------------------------------------ the floor: a raw data channel

/**
 * The floor: a raw data channel between this context and another (the bench hands the descriptions
 * over, complete with their candidates), one small message there and back at a time.
 */
let floorPc: RTCPeerConnection | null = null;
let floorChannel: RTCDataChannel | null = null;

const gathered = (pc: RTCPeerConnection) =>
  new Promise<string>((resolve) => {
    const done = () => resolve((pc.localDescription as RTCSessionDescription).sdp);
    if (pc.iceGatheringState === 'complete') return done();
    pc.onicegatheringstatechange = () => {
      if (pc.iceGatheringState === 'complete') done();
    };
  });

/** The pinging side: an offer with its candidates. */
async function floorOffer(): Promise<string> {
  floorPc = new RTCPeerConnection();
  floorChannel = floorPc.createDataChannel('floor', { ordered: true });
  await floorPc.setLocalDescription(await floorPc.createOffer());
  return gathered(floorPc);
}

/** The echoing side: answers `offer` and echoes every message. */
async function floorAnswer(offer: string): Promise<string> {
  floorPc = new RTCPeerConnection();
  floorPc.ondatachannel = (e) => {
    e.channel.onmessage = (m) => e.channel.send(m.data as string);
  };
  await floorPc.setRemoteDescription({ type: 'offer', sdp: offer });
  await floorPc.setLocalDescription(await floorPc.createAnswer());
  return gathered(floorPc);
}

/** The pinging side: takes the answer, waits for the channel, measures `count` round trips. */
async function floorRun(answer: string, count: number) {
  const pc = floorPc as RTCPeerConnection;
  const channel = floorChannel as RTCDataChannel;
  await pc.setRemoteDescription({ type: 'answer', sdp: answer });
  if (channel.readyState !== 'open')
    await new Promise<void>((resolve) => {
      channel.onopen = () => resolve();
    });
  const samples: number[] = [];
  const message = JSON.stringify({ type: 'append', term: 3, index: 1, entries: [{ op: 'inc' }] });
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await new Promise<void>((resolve) => {
      channel.onmessage = () => resolve();
      channel.send(message);
    });
    samples.push(performance.now() - t0);
  }
  pc.close();
  return percentiles(samples.slice(Math.floor(count / 10)));
}

function status() {
  return { state: node?.state, directPeers: transport?.directPeers ?? [], firstDirectMessageMs };
}

Object.assign(window, { webraft: { start, status, benchCommits, floorOffer, floorAnswer, floorRun } });
document.body.dataset.ready = 'true';
