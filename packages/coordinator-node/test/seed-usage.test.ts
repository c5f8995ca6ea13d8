/**
 * The seed's whole usage example with our parts: each node has a storage on disk (FileAllDataStorage,
 * for the seed's alldata-storage-leveldb), a coordinator, and an AllDataPeer (the seed's peer client
 * and peer server) over a webraft transport (the core's MemoryNetwork), with the coordinator's `_put`
 * event handed to the peer client exactly as in the seed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AllDataPeer,
  Coordinator,
  type CoordinatorOptions,
  generateKey,
  ReplicationFailedError,
} from '@webraft/coordinator';
import { MemoryNetwork, RaftInterface } from '@webraft/core';
import { afterEach, describe, expect, it } from 'vitest';
import { FileAllDataStorage } from '../src/index.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

interface Node {
  id: string;
  storage: FileAllDataStorage;
  coordinator: Coordinator;
  peer: AllDataPeer;
}

async function node(
  network: MemoryNetwork,
  id: string,
  root: string,
  options: CoordinatorOptions,
): Promise<Node> {
  const storage = new FileAllDataStorage(join(root, id));
  const coordinator = new Coordinator(storage, options);
  const peer = new AllDataPeer({ address: id, transport: network.transport(id), storage, timeoutMs: 500 });
  coordinator.on('_put', (p, key, event, callback) => {
    // the seed: allDataPeerClient._put({ hostname: peer.hostname }, key, event, callback)
    peer._put(p, key, event, callback);
  });
  await peer.start();
  cleanup.push(() => peer.close());
  return { id, storage, coordinator, peer };
}

function tempRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'coordinator-seed-'));
  cleanup.push(() => rmSync(root, { recursive: true, force: true }));
  return root;
}

describe("the seed's usage example", () => {
  it('puts from one node land on disk on the replicas it chose, and survive a reopen', async () => {
    const network = new MemoryNetwork();
    const root = tempRoot();
    const options: CoordinatorOptions = {
      replicationFactor: 3,
      commitLevel: 'ALL',
      replicationStrategy: { otherZoneReplicas: 1 },
    };
    const nodes = await Promise.all(['n1', 'n2', 'n3', 'n4'].map((id) => node(network, id, root, options)));
    const [n1] = nodes as [Node];
    await n1.coordinator.addPeer({ id: 'n2' }, { zone: 'z2' });
    await n1.coordinator.addPeer({ id: 'n3' }, { zone: 'z3' });
    await n1.coordinator.addPeer({ id: 'n4' });
    const keys: string[] = [];
    for (let i = 0; i < 5; i++) {
      const key = generateKey();
      keys.push(key);
      const ack = await n1.coordinator.put(key, { type: 'click', i });
      expect(ack.durable).toHaveLength(3);
      // One replica in another zone, the third from the same zone (the seed's step 4).
      const remote = ack.report.replicas.filter((r) => r.role !== 'local');
      expect(remote.map((r) => r.role).sort()).toEqual(['otherZone', 'sameZone']);
      for (const r of remote) {
        const holder = nodes.find((n) => n.id === r.id)!;
        expect(await new FileAllDataStorage(holder.storage.directory).get(key)).toEqual({ type: 'click', i });
      }
    }
    expect((await new FileAllDataStorage(n1.storage.directory).keys()).sort()).toEqual(keys.sort());
  });

  it('a node that is gone is replaced by another (get it done) and the put still reaches ALL', async () => {
    const network = new MemoryNetwork();
    const root = tempRoot();
    const options: CoordinatorOptions = { replicationFactor: 2, commitLevel: 'ALL' };
    const [n1, n2, n3] = (await Promise.all(
      ['n1', 'n2', 'n3'].map((id) => node(network, id, root, options)),
    )) as Node[];
    await n1!.coordinator.addPeer({ id: 'n2' });
    await n1!.coordinator.addPeer({ id: 'n3' });
    await n2!.peer.close();
    await n3!.peer.close();
    const error = await n1!.coordinator.put(generateKey(), { lost: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReplicationFailedError);
    // Bring n3 back on a new transport: puts go there, whichever of n2 and n3 is chosen first.
    const back = await node(network, 'n3', root, options);
    await network.flushed(); // n1's transport reports n3 present again (onPeer)
    const key = generateKey();
    const ack = await n1!.coordinator.put(key, { ok: true });
    expect(ack.durable.sort()).toEqual(['local', 'n3']);
    expect(await back.storage.get(key)).toEqual({ ok: true });
  });

  it('with the peer map in a webraft cluster, every node places against the same peers', async () => {
    const network = new MemoryNetwork();
    const root = tempRoot();
    const ids = ['n1', 'n2', 'n3'];
    const nodes = await Promise.all(
      ids.map(async (id) => {
        const document = Coordinator.peerMapDocument();
        const raft = new RaftInterface(`${id}-raft`, {
          peers: ids.map((i) => `${i}-raft`),
          transport: network.transport(`${id}-raft`),
          stateMachine: document,
          heartbeatFrequency: 20,
          heartbeatTimeout: 80,
          electionTimeoutMin: 60,
          electionTimeoutMax: 120,
        });
        await raft.start();
        cleanup.push(() => raft.stop());
        const n = await node(network, id, root, {
          replicationFactor: 3,
          commitLevel: 'QUORUM',
          peers: Coordinator.cluster(raft, document),
          localId: id,
        });
        return { ...n, raft };
      }),
    );
    // Each node announces itself once; nobody lists the others by hand.
    await Promise.all(nodes.map((n) => n.coordinator.addPeer({ id: n.id })));
    await Promise.all(nodes.map((n) => n.raft.read()));
    for (const n of nodes) {
      const key = generateKey();
      const ack = await n.coordinator.put(key, { from: n.id });
      expect(ack.durable.length).toBeGreaterThanOrEqual(2);
      expect(ack.report.replicas.map((r) => r.id).sort()).toEqual(
        ['local', ...ids.filter((i) => i !== n.id)].sort(),
      );
    }
  });
});
