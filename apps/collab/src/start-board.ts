import type { RaftInterface } from '@webraft/core';
import { createJsonDoc, type JsonDoc, JsonDocument } from '@webraft/json-doc';
import { IndexedDbStorage } from '@webraft/storage-indexeddb';
import { claimTabIdentity, startTabCluster, type TabCluster, type TabIdentity } from '@webraft/tab';
import { BroadcastChannelTransport } from '@webraft/transport-broadcastchannel';
import { RelaySignaling, WebRtcTransport } from '@webraft/transport-webrtc/native';
import { WebSocketTransport } from '@webraft/transport-websocket';
import { type Board, INITIAL_BOARD } from './board.js';
import type { BoardLocation } from './board-location.js';
import { LogTail } from './log-tail.js';
import { PageVisibility } from './page-visibility.js';
import { PartitionableTransport } from './partition.js';

/** This tab's part of the board's cluster: its nodes, and the board document on its own node. */
export interface BoardTab {
  readonly id: string;
  readonly identity: TabIdentity;
  readonly namespace: string;
  readonly cluster: TabCluster;
  /** This tab's own node (`cluster.node`, kept: the cluster has none once stopped). */
  readonly node: RaftInterface;
  readonly doc: JsonDoc<Board>;
  /** The transport of each node this tab runs, by node id: the inspector shows and partitions them. */
  readonly transports: ReadonlyMap<string, PartitionableTransport>;
  /** The latest patches each node applied, by node id. */
  readonly tails: ReadonlyMap<string, LogTail>;
  /** The relay signaling of each node this tab runs over WebRTC (`via: 'webrtc'`), by node id. */
  readonly signalings: ReadonlyMap<string, RelaySignaling>;
  /** What the tab cluster hears of the page's visibility (the inspector's "Hide" acts on it). */
  readonly visibility: PageVisibility;
}

/** IndexedDB, identities and locks of one board, apart from every other board's. */
export function namespaceOf(location: BoardLocation): string {
  return location.kind === 'local'
    ? `webraft-collab-${location.board}`
    : `webraft-collab-room-${location.room}`;
}

/**
 * Claims this tab's identity and runs its node of the board's cluster (packages/tab/README.md, Tab
 * clusters), each node's log in IndexedDB:
 * - a board of this browser: BroadcastChannel between its tabs;
 * - a room: the relay (WebSocket), which reaches the room's tabs in every browser and device, or
 *   (`via: 'webrtc'`) WebRTC data channels between them, signaled through the relay. Only the
 *   browser that created the room may bootstrap its cluster (`found`); every other one joins
 *   (`bootstrap: false`) and is added by the room's leader once the relay tells it the tab is there.
 *   A browser's own tabs still find each other's cluster through their Web Locks.
 * Each node (the tab's own, and any it adopted from closed tabs) has its own document.
 */
export async function startBoard(location: BoardLocation): Promise<BoardTab> {
  const namespace = namespaceOf(location);
  const cluster = 'board';
  const hasData = (id: string) => IndexedDbStorage.hasData(id, { namespace });
  const identity = await claimTabIdentity({ cluster, namespace, hasData });
  const documents = new Map<string, JsonDocument<Board>>();
  const transports = new Map<string, PartitionableTransport>();
  const tails = new Map<string, LogTail>();
  const signalings = new Map<string, RelaySignaling>();
  const visibility = new PageVisibility(document);
  const tab = await startTabCluster({
    cluster,
    namespace,
    identity,
    hasData,
    visibility,
    bootstrap: location.kind === 'local' || location.found,
    transport: (id) => {
      const transport = new PartitionableTransport(
        location.kind === 'local'
          ? new BroadcastChannelTransport({ cluster: `${namespace}/${cluster}` })
          : location.via === 'webrtc'
            ? webRtc(location, signalings, id)
            : new WebSocketTransport({ url: location.relay, room: location.room }),
      );
      transports.set(id, transport);
      return transport;
    },
    storage: (held) => new IndexedDbStorage(held.id, { namespace, usage: held.usage }),
    stateMachine: (id) => {
      const board = new JsonDocument<Board>(INITIAL_BOARD);
      documents.set(id, board);
      tails.set(id, new LogTail(board));
      return board;
    },
  });
  const doc = createJsonDoc(tab.node, documents.get(identity.id)!);
  return {
    id: identity.id,
    identity,
    namespace,
    cluster: tab,
    node: tab.node,
    doc,
    transports,
    tails,
    signalings,
    visibility,
  };
}

/** Node `id`'s WebRTC transport to the room, signaled through the relay (kept in `signalings`). */
function webRtc(
  location: BoardLocation & { kind: 'room' },
  signalings: Map<string, RelaySignaling>,
  id: string,
): WebRtcTransport {
  const signaling = new RelaySignaling({ url: location.relay });
  signalings.set(id, signaling);
  // The `native` entry: the browser's RTCPeerConnection itself, no simple-peer in the bundle and so no
  // Node polyfills (README, Why the page needs no Node polyfills).
  return new WebRtcTransport({ signaling, room: location.room });
}
