/**
 * A 3-node cluster in this page over MemoryNetwork, each node on the storage adapter a page gives
 * (namespace per test run): proposes a stream and reports every acknowledgement through `reportAck`,
 * which the spec exposes (`exposeFunction`), so acknowledgements outlive the page. `recover` reads what
 * each node stored, then runs the cluster again on it. Shared by the storage adapters' cluster pages.
 */
import { MemoryNetwork, RaftInterface, type RaftStorage } from '@webraft/core';
import { ListMachine } from './list-machine.js';

/** The storage of node `id`, its data kept apart by `namespace`. */
export type MakeStorage = (id: string, namespace: string) => RaftStorage;

const PEERS = ['a', 'b', 'c'];
declare function reportAck(command: string, index: number): Promise<void>;

export interface StoredNode {
  snapshotIndex: number;
  commit: number;
  commands: { index: number; data: unknown }[];
}

export function clusterPage(makeStorage: MakeStorage) {
  let nodes: RaftInterface[] = [];
  let machines: ListMachine[] = [];

  async function start(namespace: string): Promise<RaftInterface> {
    const network = new MemoryNetwork();
    machines = PEERS.map(() => new ListMachine());
    nodes = PEERS.map(
      (id, i) =>
        new RaftInterface(id, {
          peers: PEERS,
          transport: network.transport(id),
          stateMachine: machines[i]!,
          storage: makeStorage(id, namespace),
        }),
    );
    const elected = new Promise<RaftInterface>((resolve) => {
      for (const node of nodes) node.listen('leader', () => resolve(node));
    });
    await Promise.all(nodes.map((node) => node.start()));
    return elected;
  }

  /** Proposes `cmd-0`, `cmd-1`, ... with `inflight` outstanding until the page goes away; not awaited. */
  async function stream(namespace: string, inflight: number): Promise<void> {
    const leader = await start(namespace);
    let next = 0;
    const worker = async () => {
      for (;;) {
        const command = `cmd-${next++}`;
        const { index } = await leader.propose(command);
        await reportAck(command, index);
      }
    };
    for (let k = 0; k < inflight; k++) void worker().catch(() => undefined);
  }

  /** What each node stored (before any node runs), then the commands the restarted cluster applies. */
  async function recover(
    namespace: string,
  ): Promise<{ stored: Record<string, StoredNode>; applied: unknown[] }> {
    const stored: Record<string, StoredNode> = {};
    for (const id of PEERS) {
      const storage = makeStorage(id, namespace);
      const state = await storage.load();
      await storage.close?.();
      stored[id] = {
        snapshotIndex: state.snapshot?.meta.index ?? 0,
        commit: state.hardState.commit,
        commands: state.entries
          .filter((e) => e.kind === 'command')
          .map((e) => ({ index: e.index, data: e.data })),
      };
    }
    const leader = await start(namespace);
    await leader.propose('after-restart');
    const applied = [...machines[nodes.indexOf(leader)]!.items];
    await Promise.all(nodes.map((node) => node.stop()));
    return { stored, applied };
  }

  return { stream, recover };
}
