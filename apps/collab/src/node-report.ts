import type { RaftInterface } from '@webraft/core';
import { type RelaySignaling, WebRtcTransport } from '@webraft/transport-webrtc/native';
import { WebSocketTransport } from '@webraft/transport-websocket';
import type { LogTail, TailEntry } from './log-tail.js';
import type { PartitionableTransport } from './partition.js';

/** What a tab tells the inspectors of every tab about one node it runs. */
export interface NodeReport {
  id: string;
  /** The tab's own node, or one it adopted from a closed tab. */
  own: boolean;
  state: string;
  term: number;
  commitIndex: number;
  lastApplied: number;
  /** The node's log: its first and last index, and the last entry's term. */
  firstIndex: number;
  lastIndex: number;
  lastTerm: number;
  leader: string | null;
  voters: string[];
  learners: string[];
  /**
   * How it reaches its peers: `BroadcastChannel`, the relay connection's state, or over WebRTC how many
   * members it has an open data channel with, how many it reaches through the relay meanwhile, and
   * the state of its signaling's relay connection.
   */
  link: string;
  /** Peers its transport sees present. */
  present: number;
  partitioned: boolean;
  tail: TailEntry[];
}

/** A tab's report: the nodes it runs, its own first. `tab` is its own node's id. */
export interface TabReport {
  tab: string;
  /** Acting hidden (the inspector's "Hide"), or really hidden. */
  hidden: boolean;
  nodes: NodeReport[];
}

export function reportNode(
  node: RaftInterface,
  own: boolean,
  transport: PartitionableTransport | undefined,
  tail: LogTail | undefined,
  signaling?: RelaySignaling,
): NodeReport {
  const status = node.state === 'stopped' || node.state === 'failed' ? null : node.raftNode.status();
  const inner = transport?.inner;
  const peers = (inner as { peers?: readonly string[] } | undefined)?.peers;
  return {
    id: node.address,
    own,
    state: node.state,
    term: node.term,
    commitIndex: node.commitIndex,
    lastApplied: node.lastApplied,
    firstIndex: status?.firstIndex ?? 0,
    lastIndex: status?.lastIndex ?? 0,
    lastTerm: status?.lastTerm ?? 0,
    leader: node.leader,
    voters: [...node.members.voters],
    learners: [...node.members.learners],
    link: linkOf(inner, signaling),
    present: peers?.length ?? 0,
    partitioned: transport?.partitioned ?? false,
    tail: [...(tail?.entries ?? [])],
  };
}

function linkOf(transport: unknown, signaling: RelaySignaling | undefined): string {
  if (transport instanceof WebSocketTransport) return `relay: ${transport.state}`;
  if (transport instanceof WebRtcTransport) {
    const direct = transport.directPeers.length;
    const relayed = transport.peers.length - direct;
    return `WebRTC: ${direct} direct, ${relayed} through the relay; signaling ${signaling?.connection.state ?? '?'}`;
  }
  return 'BroadcastChannel';
}
