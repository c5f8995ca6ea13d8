import { MemoryNetwork, RaftInterface } from '@webraft/core';
import { ListMachine } from '../list-machine.js';

/** Runs a 3-node cluster in this page (browser timers, MessageChannel turns) and proposes `count` commands. */
async function runCluster(count: number) {
  const network = new MemoryNetwork();
  const peers = ['a', 'b', 'c'];
  const machines = peers.map(() => new ListMachine());
  const nodes = peers.map(
    (id, i) => new RaftInterface(id, { peers, transport: network.transport(id), stateMachine: machines[i]! }),
  );
  const elected = new Promise<RaftInterface>((resolve) => {
    for (const node of nodes) node.listen('leader', () => resolve(node));
  });
  await Promise.all(nodes.map((node) => node.start()));
  const leader = await elected;
  const follower = nodes.find((node) => node !== leader)!;
  const results = [];
  for (let i = 0; i < count; i++) results.push((i % 2 === 0 ? leader : follower).propose({ i }));
  const settled = await Promise.all(results);
  await follower.read();
  // The leader applied everything; the follower that read did too; the third may lag behind.
  const listOf = (node: RaftInterface) => JSON.stringify(machines[nodes.indexOf(node)]!.items);
  const third = nodes.find((node) => node !== leader && node !== follower)!;
  const out = {
    indexes: settled.map((r) => r.index),
    leader: listOf(leader),
    follower: listOf(follower),
    third: listOf(third),
  };
  await Promise.all(nodes.map((node) => node.stop()));
  return out;
}

(window as unknown as { runCluster: typeof runCluster }).runCluster = runCluster;
document.body.dataset.ready = 'true';
