import { RaftInterface } from '@webraft/core';
import { RelaySignaling, WebRtcTransport } from '@webraft/transport-webrtc';
import { ListMachine } from '../list-machine.js';
import { proposeOn } from '../propose.js';
import { keptPeerConnections } from './peer-connections.js';

let node: RaftInterface | null = null;
let transport: WebRtcTransport | null = null;
let signaling: RelaySignaling | null = null;
const machine = new ListMachine();
const errors: string[] = [];
const connections = keptPeerConnections();

/** Starts this page's node: one Raft member over WebRTC, signaled through the relay at `url`. */
async function start(options: {
  url: string;
  room: string;
  id: string;
  peers: string[];
  blockIce?: boolean;
  connectTimeoutMs?: number;
}): Promise<void> {
  connections.blockIce.on = options.blockIce === true;
  signaling = new RelaySignaling({ url: options.url });
  transport = new WebRtcTransport({
    signaling,
    room: options.room,
    wrtc: connections.wrtc,
    ...(options.connectTimeoutMs ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
  });
  node = new RaftInterface(options.id, { peers: options.peers, transport, stateMachine: machine });
  node.listen('error', (error: unknown) => void errors.push(String((error as Error).message ?? error)));
  await node.start();
}

/** Proposes `command` on this page's node (see ../propose.ts). */
const propose = (command: unknown, timeoutMs?: number) => proposeOn(node, command, timeoutMs);

/** Lets new connections of this page gather ICE candidates again (or not). */
function blockIce(on: boolean): void {
  connections.blockIce.on = on;
}

/** Closes every RTCPeerConnection of this page under the transport; returns how many were open. */
function closePeerConnections(): number {
  const open = connections.all.filter((pc) => pc.connectionState !== 'closed');
  for (const pc of open) pc.close();
  return open.length;
}

function status() {
  return {
    state: node?.state,
    leader: node?.leader,
    term: node?.term,
    commitIndex: node?.commitIndex,
    items: machine.items,
    relay: signaling?.connection.state,
    directPeers: transport?.directPeers ?? [],
    stats: transport?.stats,
    errors: errors.slice(-20),
  };
}

Object.assign(window, { webraft: { start, propose, status, closePeerConnections, blockIce } });
document.body.dataset.ready = 'true';
