/**
 * One Raft node in this tab, over BroadcastChannel, with in-memory storage: `node.html?id=a&peers=a,b,c&cluster=X`.
 * The spec drives it through `window.tab`; acknowledged proposals are reported out of the page through
 * `window.reportAck` (a Playwright binding) when the spec exposed one, so they survive the tab.
 */
import { RaftInterface } from '@webraft/core';
import { BroadcastChannelTransport } from '@webraft/transport-broadcastchannel';
import { ListMachine } from '../list-machine.js';

const params = new URLSearchParams(location.search);
const id = params.get('id') ?? 'a';
const peers = (params.get('peers') ?? 'a,b,c').split(',');
const cluster = params.get('cluster') ?? 'e2e';
const machine = new ListMachine();
const transport = new BroadcastChannelTransport({ cluster });
const raft = new RaftInterface(id, { peers, transport, stateMachine: machine });
const errors: string[] = [];
/** The `code` of each error event (a TransportError's, for the transport's own failures). */
const errorCodes: string[] = [];
raft.listen('error', (e) => {
  errors.push(String(e));
  errorCodes.push(String((e as { code?: unknown }).code));
});
const reportAck = (
  window as unknown as { reportAck?: (id: string, cmd: string, index: number) => Promise<void> }
).reportAck;

const tab = {
  id,
  get state() {
    return raft.state;
  },
  get leader() {
    return raft.leader;
  },
  get applied() {
    return machine.items;
  },
  get peersSeen() {
    return transport.peers;
  },
  get stats() {
    return transport.stats;
  },
  errors,
  errorCodes,
  /**
   * Proposes `count` commands `${prefix}-${i}`, `inflight` at a time; reports each acknowledgement.
   * A proposal that fails (a leader lost mid-way) is counted, not retried: its outcome is unknown.
   */
  async proposeMany(prefix: string, count: number, inflight = 1): Promise<{ acked: number; failed: number }> {
    let next = 0;
    let acked = 0;
    let failed = 0;
    const worker = async () => {
      while (next < count) {
        const cmd = `${prefix}-${next++}`;
        try {
          const { index } = await raft.propose(cmd, { timeoutMs: 3000 });
          acked++;
          await reportAck?.(id, cmd, index);
        } catch {
          failed++;
        }
      }
    };
    await Promise.all(Array.from({ length: inflight }, worker));
    return { acked, failed };
  },
  read: () => raft.read(),
};

(window as unknown as { tab: typeof tab }).tab = tab;
await raft.start();
document.body.dataset.ready = 'true';
