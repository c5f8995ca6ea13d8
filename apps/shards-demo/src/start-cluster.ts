import { MemoryNetwork, RaftInterface } from '@webraft/core';
import {
  MemoryBlobStore,
  RegistryClient,
  ShardCoordinator,
  ShardRegistry,
  ShardReplicator,
} from '@webraft/shards';

/** The seed's example: servers 1-6 in shards 1 (1,4), 2 (2,5), 3 (3,6). */
export const SHARDS: [string, string[]][] = [
  ['1', ['1', '4']],
  ['2', ['2', '5']],
  ['3', ['3', '6']],
];
/** Small enough that a few uploads show in each shard's fill. */
export const SHARD_CAPACITY = '64kb';
export const serverUrl = (id: string) => `memory://server-${id}`;

/** One coordinator member: its Raft node, its registry, and the coordinator and replicator on it. */
export interface DemoMember {
  id: string;
  raft: RaftInterface;
  registry: ShardRegistry;
  client: RegistryClient;
  coordinator: ShardCoordinator;
  replicator: ShardReplicator;
}

export interface DemoCluster {
  members: DemoMember[];
  /** The storage servers, in this page's memory: `setDown(url, down)` takes one down. */
  blobs: MemoryBlobStore;
  /** Starts or stops every member's replicator (the queue then only grows). */
  setReplicating(on: boolean): Promise<void>;
}

/** Resolves once some member leads (its first entry committed: it can take proposals). */
function leaderOf(members: DemoMember[]): Promise<DemoMember> {
  return new Promise((resolve) => {
    const offs: (() => void)[] = [];
    for (const m of members)
      offs.push(
        m.raft.listen('leader', () => {
          for (const off of offs) off();
          resolve(m);
        }),
      );
  });
}

/**
 * Three coordinator members in this page (a `MemoryNetwork` between them, their logs in memory), each
 * with the registry as its state machine, a coordinator and a replicator; six storage servers in a
 * `MemoryBlobStore`; the seed's shards registered through the leader and enabled.
 */
export async function startCluster(): Promise<DemoCluster> {
  const ids = ['n1', 'n2', 'n3'];
  const network = new MemoryNetwork();
  const blobs = new MemoryBlobStore();
  const members = ids.map((id): DemoMember => {
    const registry = new ShardRegistry();
    const raft = new RaftInterface(id, {
      peers: ids,
      transport: network.transport(id),
      stateMachine: registry,
    });
    const client = new RegistryClient(raft, { clientId: id, timeoutMs: 5_000 });
    return {
      id,
      raft,
      registry,
      client,
      coordinator: new ShardCoordinator(client, registry, blobs),
      replicator: new ShardReplicator(client, registry, blobs, { id: `${id}.replicator`, leaseMs: 2_000 }),
    };
  });
  const leading = leaderOf(members);
  await Promise.all(members.map((m) => m.raft.start()));
  const leader = await leading;
  for (let s = 1; s <= 6; s++) await leader.client.addServer(String(s), serverUrl(String(s)));
  for (const [id, servers] of SHARDS) {
    await leader.client.addShard(id, servers, SHARD_CAPACITY);
    await leader.client.enableShard(id);
  }
  for (const m of members) m.replicator.start();
  // One change at a time: a start while a stop is still waiting for a copy would run two loops.
  let changing = Promise.resolve();
  return {
    members,
    blobs,
    setReplicating(on) {
      changing = changing.then(async () => {
        if (on) for (const m of members) m.replicator.start();
        else await Promise.all(members.map((m) => m.replicator.stop()));
      });
      return changing;
    },
  };
}
