import { RaftInterface, type StateMachine } from '@webraft/core';
import { WebSocketTransport } from '@webraft/transport-websocket';
import { proposeOn } from '../propose.js';

/** Appends every command to a list: two nodes agree iff one list is a prefix of the other. */
class ListMachine implements StateMachine {
  items: unknown[] = [];
  apply(command: unknown): unknown {
    this.items.push(command);
    return this.items.length;
  }
  snapshot(): unknown {
    return this.items;
  }
  restore(snapshot: unknown): void {
    this.items = [...(snapshot as unknown[])];
  }
}

let node: RaftInterface | null = null;
let transport: WebSocketTransport | null = null;
const machine = new ListMachine();
const errors: string[] = [];

/** Starts this page's node: one Raft member over WebSocket through the relay(s) at `urls`. */
async function start(options: { urls: string[]; room: string; id: string; peers: string[] }): Promise<void> {
  transport = new WebSocketTransport({ url: options.urls, room: options.room });
  node = new RaftInterface(options.id, { peers: options.peers, transport, stateMachine: machine });
  node.listen('error', (error: unknown) => void errors.push(String((error as Error).message ?? error)));
  await node.start();
}

/** Proposes `command` on this page's node (see ../propose.ts). */
const propose = (command: unknown, timeoutMs?: number) => proposeOn(node, command, timeoutMs);

function status() {
  return {
    state: node?.state,
    leader: node?.leader,
    term: node?.term,
    commitIndex: node?.commitIndex,
    items: machine.items,
    connection: transport?.state,
    peers: transport?.peers,
    errors: errors.slice(-20),
  };
}

Object.assign(window, { webraft: { start, propose, status } });
document.body.dataset.ready = 'true';
