/**
 * The transport contract (DESIGN.md section 5). A transport moves plain JSON-serializable payloads
 * between nodes. It promises nothing about delivery: Raft tolerates loss, duplication and reordering.
 */

/** Where a transport hands what it receives: the local node (RaftInterface implements it). */
export interface MessageSink {
  readonly address: string;
  /** The node's follower timeout (ms), the default `messageTimeout` of its peers. */
  readonly heartbeatTimeout?: number;
  /** A payload arrived from `from`. It is validated before the protocol sees it. */
  gotData(from: string, payload: unknown): void;
}

/**
 * One remote peer as the seed defines it: made by `createInstance(address)`, `write()` sends to it,
 * `gotData()` hands over what was received from it.
 */
export abstract class NodeInstance {
  readonly address: string;
  readonly raft: MessageSink;

  constructor(address: string, raft: MessageSink) {
    this.address = address;
    this.raft = raft;
  }

  /** Send one JSON-serializable message to this peer. Must not throw for a peer that is gone. */
  abstract write(payload: unknown): void;

  /** Hand over a message received from this peer. */
  gotData(payload: unknown): void {
    this.raft.gotData(this.address, payload);
  }

  /**
   * How long (ms) a request forwarded to this peer (a proposal, a read index) may go unanswered before
   * the runtime sends it again. Overridable; defaults to the node's `heartbeatTimeout`.
   */
  get messageTimeout(): number {
    return this.raft.heartbeatTimeout ?? 3000;
  }

  /** Releases the connection. Called when the peer leaves the cluster or the node stops. */
  close(): void {}
}

/** A way to reach peers: makes `NodeInstance`s and may report peers it discovers. */
export interface Transport {
  /** Begin receiving for `sink`. Called once when the node starts. */
  open(sink: MessageSink): void | Promise<void>;
  createInstance(address: string, sink: MessageSink): NodeInstance;
  /** Subscribe to peers this transport discovers (optional); returns an unsubscribe function. */
  onPeer?(listener: (address: string) => void): () => void;
  /** Stop receiving and release everything. */
  close(): void | Promise<void>;
}
