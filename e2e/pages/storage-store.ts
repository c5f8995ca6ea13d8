/**
 * One node's storage in a page, for any adapter: a node filling its storage until the quota, and
 * plain writes and reads for the isolation tests. Shared by the storage adapters' store pages.
 */
import { MemoryNetwork, RaftInterface, type StorageQuotaError } from '@webraft/core';
import { ListMachine } from './list-machine.js';
import type { MakeStorage } from './storage-cluster.js';

interface ReportedError {
  name: string;
  code: string;
  bytesInUse?: number;
  quota?: number;
}

export function storePage(makeStorage: MakeStorage) {
  /**
   * A single-node cluster proposing commands of `padChars` characters (8 in flight) until its storage
   * fails. Returns every acknowledged proposal and what the node reported on `error`.
   */
  async function fillUntilQuota(id: string, namespace: string, padChars: number) {
    const network = new MemoryNetwork();
    const node = new RaftInterface(id, {
      peers: [id],
      transport: network.transport(id),
      stateMachine: new ListMachine(),
      storage: makeStorage(id, namespace),
    });
    const errors: ReportedError[] = [];
    node.listen('error', (error) => {
      const e = error as StorageQuotaError;
      errors.push({ name: e.name, code: e.code, bytesInUse: e.bytesInUse, quota: e.quota });
    });
    const elected = new Promise<void>((resolve) => node.listen('leader', () => resolve()));
    await node.start();
    await elected;
    const pad = 'x'.repeat(padChars);
    const acked: { i: number; index: number }[] = [];
    let next = 0;
    const worker = async () => {
      while (node.state !== 'failed' && next < 100_000) {
        const i = next++;
        try {
          const { index } = await node.propose({ i, pad });
          acked.push({ i, index });
        } catch {
          return;
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    const state = node.state;
    await node.stop();
    return { acked, errors, state };
  }

  /** What a new handle loads for `id`: the command entries (index and data), and the snapshot's index. */
  async function dump(id: string, namespace: string) {
    const storage = makeStorage(id, namespace);
    try {
      const state = await storage.load();
      return {
        snapshotIndex: state.snapshot?.meta.index ?? 0,
        entries: state.entries.map((e) => ({ index: e.index, data: e.data })),
      };
    } finally {
      await storage.close?.();
    }
  }

  /** Appends `count` entries whose data is `tag` to the log of `id`. */
  async function writeTagged(id: string, namespace: string, tag: string, count: number): Promise<void> {
    const storage = makeStorage(id, namespace);
    const { entries } = await storage.load();
    const first = (entries.at(-1)?.index ?? 0) + 1;
    await storage.persist({
      entries: Array.from({ length: count }, (_, k) => ({
        index: first + k,
        term: 1,
        kind: 'command' as const,
        data: tag,
      })),
    });
    await storage.close?.();
  }

  return { fillUntilQuota, dump, writeTagged };
}
