import type { TransportError } from '../errors.js';

/**
 * The transport contract (docs/architecture.md, Transport contract). A transport moves plain
 * JSON-serializable payloads between nodes. It promises nothing about delivery: Raft tolerates loss,
 * duplication and reordering.
 */

/** Where a transport hands what it receives: the local node (RaftInterface implements it). */
export interface MessageSink {
  readonly address: string;
  /** The node's follower timeout (ms), the default `messageTimeout` of its peers. */
  readonly heartbeatTimeout?: number;
  /** A payload arrived from `from`. It is validated before the protocol sees it. */
  gotData(from: string, payload: unknown): void;
  /**
   * The transport's own failures: a frame it could not decode or that was too large (dropped), a
   * connection that failed, a send queue that overflowed. The node reports them on its `error` event
   * and goes on. Optional for sinks; transports call it when present.
   */
  reportError?(error: TransportError): void;
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

/** A way to reach peers: makes `NodeInstance`s and may report peers it discovers and loses. */
export interface Transport {
  /**
   * The largest message this transport carries, in characters of its JSON encoding (a WebRTC data
   * channel: about 256 KiB). The runtime sizes appends, snapshot chunks and the largest command to
   * fit. Leave it out for no limit beyond the node's own.
   */
  readonly maxMessageChars?: number;
  /** Begin receiving for `sink`, which the transport keeps for every instance it makes. Called once. */
  open(sink: MessageSink): void | Promise<void>;
  /** The instance that sends to `address`; called after `open`. */
  createInstance(address: string): NodeInstance;
  /** Subscribe to peers this transport discovers (optional); returns an unsubscribe function. */
  onPeer?(listener: (address: string) => void): () => void;
  /**
   * Subscribe to peers that went away (optional): closed, said goodbye or went silent past the
   * transport's presence timeout. A peer may be reported again by `onPeer` when it comes back.
   */
  onPeerGone?(listener: (address: string) => void): () => void;
  /** Stop receiving and release everything. */
  close(): void | Promise<void>;
}
