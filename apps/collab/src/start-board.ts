import { createJsonDoc, type JsonDoc, JsonDocument } from '@webraft/json-doc';
import { IndexedDbStorage } from '@webraft/storage-indexeddb';
import { claimTabIdentity, startTabCluster, type TabCluster } from '@webraft/tab';
import { BroadcastChannelTransport } from '@webraft/transport-broadcastchannel';
import { type Board, INITIAL_BOARD } from './board.js';

/** This tab's part of the board's cluster: its nodes, and the board document on its own node. */
export interface BoardTab {
  readonly id: string;
  readonly cluster: TabCluster;
  readonly doc: JsonDoc<Board>;
}

/**
 * Claims this tab's identity and runs its node of the cluster of every tab of this browser showing
 * `board` (packages/tab/README.md, Tab clusters): BroadcastChannel between the tabs, IndexedDB for each
 * node's log. Each node (the tab's own, and any it adopted from closed tabs) has its own document.
 */
export async function startBoard(board: string): Promise<BoardTab> {
  const namespace = `webraft-collab-${board}`;
  const cluster = 'board';
  const hasData = (id: string) => IndexedDbStorage.hasData(id, { namespace });
  const identity = await claimTabIdentity({ cluster, namespace, hasData });
  const documents = new Map<string, JsonDocument<Board>>();
  const tab = await startTabCluster({
    cluster,
    namespace,
    identity,
    hasData,
    transport: () => new BroadcastChannelTransport({ cluster: `${namespace}/${cluster}` }),
    storage: (held) => new IndexedDbStorage(held.id, { namespace, usage: held.usage }),
    stateMachine: (id) => {
      const document = new JsonDocument<Board>(INITIAL_BOARD);
      documents.set(id, document);
      return document;
    },
  });
  const document = documents.get(identity.id)!;
  return { id: identity.id, cluster: tab, doc: createJsonDoc(tab.node, document) };
}
