import {
  AllDataPeer,
  type ClusterPeerDirectory,
  Coordinator,
  IndexedDbAllDataStorage,
} from '@webraft/coordinator';
import { IndexedDbStorage } from '@webraft/storage-indexeddb';
import { claimTabIdentity, startTabCluster, type TabCluster } from '@webraft/tab';
import { BroadcastChannelTransport } from '@webraft/transport-broadcastchannel';

/** The placement policy of the demo: three replicas, one of them in another zone. */
export const POLICY = { replicationFactor: 3, replicationStrategy: { otherZoneReplicas: 1 } } as const;

/** This tab as a peer: its cluster node (the peer map), its storage, its peer client and its coordinator. */
export interface DemoPeer {
  readonly id: string;
  readonly zone: string;
  readonly cluster: TabCluster;
  readonly directory: ClusterPeerDirectory;
  readonly storage: IndexedDbAllDataStorage;
  readonly peer: AllDataPeer;
  readonly coordinator: Coordinator;
  /** The data channel: who is present (`peers`, `onPeer`, `onPeerGone`). */
  readonly transport: BroadcastChannelTransport;
}

/**
 * Makes this tab a peer of the demo `demo` in `zone`:
 * - the peer map is a json-doc document in the tab cluster of every tab of the demo (packages/tab
 *   README, Tab clusters: BroadcastChannel between tabs, IndexedDB for each node's log);
 * - events are stored in this tab's own IndexedDB database, served to other tabs by an AllDataPeer on
 *   a BroadcastChannel of its own;
 * - the tab adds itself to the map with its zone once its node is a member, and adds itself back if
 *   another tab dropped it while it was alive. A closed tab stays in the map until a user drops it:
 *   a replica placed on it fails at once (its peer client knows it is gone) and is placed again.
 */
export async function startPeer(demo: string, zone: string): Promise<DemoPeer> {
  const namespace = `webraft-coordinator-${demo}`;
  const clusterName = 'peers';
  const hasData = (id: string) => IndexedDbStorage.hasData(id, { namespace });
  const identity = await claimTabIdentity({ cluster: clusterName, namespace, hasData });
  const documents = new Map<string, ReturnType<typeof Coordinator.peerMapDocument>>();
  const cluster = await startTabCluster({
    cluster: clusterName,
    namespace,
    identity,
    hasData,
    transport: () => new BroadcastChannelTransport({ cluster: `${namespace}/${clusterName}` }),
    storage: (held) => new IndexedDbStorage(held.id, { namespace, usage: held.usage }),
    stateMachine: (id) => {
      const document = Coordinator.peerMapDocument();
      documents.set(id, document);
      return document;
    },
  });
  const id = identity.id;
  const directory = Coordinator.cluster(cluster.node, documents.get(id)!);
  const storage = new IndexedDbAllDataStorage({ name: `${namespace}/events/${id}` });
  const transport = new BroadcastChannelTransport({ cluster: `${namespace}/data` });
  const peer = new AllDataPeer({ address: id, transport, storage, timeoutMs: 2000 });
  await peer.start();
  const coordinator = new Coordinator(storage, {
    ...POLICY,
    peers: directory,
    localId: id,
    location: { zone },
  });
  coordinator.on('_put', (p, key, event, callback) => peer._put(p, key, event, callback));
  await cluster.whenMember();
  await coordinator.addPeer({ id }, { zone });

  directory.doc.subscribe(() => {
    if (!directory.entries().some((entry) => entry.id === id))
      void coordinator.addPeer({ id }, { zone }).catch(() => {});
  });
  return { id, zone, cluster, directory, storage, peer, coordinator, transport };
}
