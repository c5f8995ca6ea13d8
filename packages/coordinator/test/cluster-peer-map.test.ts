/**
 * The replicated peer map: three webraft nodes over the core's MemoryNetwork, each with a coordinator
 * whose peers live in the cluster's json-doc. Whoever adds or drops a peer, every coordinator ends with
 * the same peers in the same order, and so places the same way for the same seed.
 */
import { MemoryNetwork, RaftInterface, seededRandom } from '@webraft/core';
import { VirtualClock } from '@webraft/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type ClusterPeerDirectory, Coordinator } from '../src/index.js';
import { FakeStorage } from './helpers.js';

const FAST = {
  heartbeatFrequency: 20,
  heartbeatTimeout: 80,
  electionTimeoutMin: 60,
  electionTimeoutMax: 120,
};
const IDS = ['n1', 'n2', 'n3'];

interface Member {
  raft: RaftInterface;
  directory: ClusterPeerDirectory;
  coordinator: Coordinator;
}

let running: RaftInterface[] = [];
afterEach(async () => {
  await Promise.all(running.map((raft) => raft.stop()));
  running = [];
});

async function cluster(
  network = new MemoryNetwork(),
): Promise<{ network: MemoryNetwork; members: Member[] }> {
  const members = IDS.map((id, i) => {
    const document = Coordinator.peerMapDocument();
    const raft = new RaftInterface(id, {
      ...FAST,
      peers: IDS,
      transport: network.transport(id),
      stateMachine: document,
    });
    running.push(raft);
    const directory = Coordinator.cluster(raft, document);
    const coordinator = new Coordinator(new FakeStorage(new VirtualClock(), seededRandom(i)), {
      peers: directory,
      localId: id,
      replicationFactor: 3,
      replicationStrategy: { otherZoneReplicas: 1, otherRegionReplicas: 1 },
    });
    return { raft, directory, coordinator };
  });
  await Promise.all(members.map((m) => m.raft.start()));
  return { network, members };
}

/** Every member has applied everything committed so far (a linearizable read on each). */
const synced = (members: Member[]) => Promise.all(members.map((m) => m.raft.read()));
const viewOf = (m: Member) =>
  m.coordinator.peers.entries().map(({ id, zone, region, peer }) => ({ id, zone, region, peer }));

describe('the peer map in a webraft cluster', () => {
  it('adds and drops from any member reach every member, in the same order', async () => {
    const { members } = await cluster();
    const [a, b, c] = members as [Member, Member, Member];
    // Concurrent adds from all three members, one move and one drop from others.
    await Promise.all([
      a.coordinator.addPeer({ id: 'p1', url: 'ws://p1' }, { zone: 'z1' }),
      b.coordinator.addPeer({ id: 'p2' }, { region: 'eu' }),
      c.coordinator.addPeer({ id: 'p3' }),
      a.coordinator.addPeer({ id: 'p4/x~y' }, { zone: 'z2', region: 'ignored' }),
    ]);
    await b.coordinator.addPeer({ id: 'p1', url: 'ws://p1' }, { zone: 'z3' });
    await c.coordinator.dropPeer({ id: 'p3' });
    await synced(members);
    const view = viewOf(a);
    expect(view.map((p) => p.id).sort()).toEqual(['p1', 'p2', 'p4/x~y']);
    expect(view.find((p) => p.id === 'p1')).toEqual({
      id: 'p1',
      zone: 'z3',
      region: undefined,
      peer: { id: 'p1', url: 'ws://p1' },
    });
    expect(view.find((p) => p.id === 'p4/x~y')).toMatchObject({ zone: 'z2', region: undefined });
    expect(viewOf(b)).toEqual(view);
    expect(viewOf(c)).toEqual(view);
  });

  it('every coordinator places the same way for the same seed, never on itself', async () => {
    const { members } = await cluster();
    const m0 = members[0]!;
    await Promise.all(IDS.map((id, i) => members[i]!.coordinator.addPeer({ id }, { zone: `z${i}` })));
    for (let i = 0; i < 12; i++)
      await m0.coordinator.addPeer(
        { id: `p${i}` },
        i % 3 === 0 ? { region: `r${i % 2}` } : { zone: `z${i % 4}` },
      );
    await synced(members);
    const placements = members.map((m) => {
      // Same location and seed for all three, only localId differs: each leaves itself out.
      const probe = new Coordinator(m.coordinator.localStorage, {
        peers: m.directory,
        replicationFactor: 3,
        replicationStrategy: { otherZoneReplicas: 1, otherRegionReplicas: 1 },
        random: seededRandom(42),
      });
      return probe.place().map((p) => p.entry.id);
    });
    expect(placements[1]).toEqual(placements[0]);
    expect(placements[2]).toEqual(placements[0]);
    for (const [i, m] of members.entries())
      for (let n = 0; n < 20; n++) expect(m.coordinator.place().map((p) => p.entry.id)).not.toContain(IDS[i]);
  });

  it('a member cut off while peers change sees the same map once the link heals', async () => {
    const { network, members } = await cluster();
    const [a, b, c] = members as [Member, Member, Member];
    await a.coordinator.addPeer({ id: 'before' });
    await synced(members);
    const leader = members.find((m) => m.raft.state === 'leader') ?? a;
    const cut = members.find((m) => m !== leader)!;
    network.isolate(cut.raft.address);
    const others = members.filter((m) => m !== cut);
    await others[0]!.coordinator.addPeer({ id: 'during' }, { zone: 'z9' });
    await others[1]!.coordinator.dropPeer({ id: 'before' });
    expect(viewOf(cut).map((p) => p.id)).toEqual(['before']);
    network.heal();
    await synced(members);
    expect(viewOf(cut)).toEqual(viewOf(leader));
    expect(viewOf(b).map((p) => p.id)).toEqual(['during']);
    expect(viewOf(c)).toEqual(viewOf(b));
  });

  it('dropping a peer another member dropped first is no error; a forbidden id is refused on every member', async () => {
    const { members } = await cluster();
    const [a, b] = members as [Member, Member, Member];
    await a.coordinator.addPeer({ id: 'x' });
    await Promise.all([a.coordinator.dropPeer({ id: 'x' }), b.coordinator.dropPeer({ id: 'x' })]);
    await expect(a.coordinator.addPeer({ id: '__proto__' })).rejects.toMatchObject({ code: 'INVALID_PATCH' });
    await synced(members);
    for (const m of members) expect(viewOf(m)).toEqual([]);
  });
});
