import { MemoryNetwork, RaftInterface, type StateMachine } from '@webraft/core';
import { describe, expect, it } from 'vitest';
import { FileStorage } from '../src/index.js';
import { tempRoot } from './helpers.js';

const newDir = tempRoot('cluster');

class Sum implements StateMachine {
  value = 0;
  apply(command: unknown): unknown {
    this.value += (command as { add: number }).add;
    return this.value;
  }
  snapshot(): unknown {
    return this.value;
  }
  restore(snapshot: unknown): void {
    this.value = snapshot as number;
  }
}

const peers = ['a', 'b', 'c'];

function startCluster(dirs: Record<string, string>) {
  const network = new MemoryNetwork();
  const machines = new Map<string, Sum>();
  const nodes = peers.map((id) => {
    const stateMachine = new Sum();
    machines.set(id, stateMachine);
    return new RaftInterface(id, {
      peers,
      transport: network.transport(id),
      stateMachine,
      storage: new FileStorage(dirs[id] as string),
      snapshotThreshold: 20,
    });
  });
  return { nodes, machines };
}

const leaderOf = (nodes: RaftInterface[]) =>
  new Promise<RaftInterface>((resolve) => {
    const found = nodes.find((n) => n.state === 'leader');
    if (found) resolve(found);
    for (const node of nodes) node.listen('leader', () => resolve(node));
  });

describe('a Raft cluster on FileStorage', () => {
  it('commits, stops every node, and starts again from disk with nothing committed lost', async () => {
    const dirs = Object.fromEntries(peers.map((id) => [id, newDir()]));
    const first = startCluster(dirs);
    await Promise.all(first.nodes.map((n) => n.start()));
    const leader = await leaderOf(first.nodes);
    for (let i = 1; i <= 50; i++) await leader.propose({ add: i });
    const committed = leader.commitIndex;
    await Promise.all(first.nodes.map((n) => n.stop()));

    const second = startCluster(dirs);
    await Promise.all(second.nodes.map((n) => n.start()));
    const again = await leaderOf(second.nodes);
    const { result } = await again.propose({ add: 1000 });
    expect(result).toBe(1275 + 1000);
    expect(again.commitIndex).toBeGreaterThan(committed);
    await Promise.all(second.nodes.map((n) => n.stop()));
  });
});
