import type { TransportError } from '../errors.js';

/**
 * The transport contract (docs/architecture.md, Transport contract). A transport moves plain JSON-serializable payloads
 * between nodes. It promises nothing about delivery: Raft tolerates loss, duplication and reordering.
 * `runTransportTests` (`@webraft/core/testing`) checks an adapter against every rule below.
 *
 * Incoming frames: a transport hands `gotData` only payloads it decoded from a frame of its own framing.
 * A frame it cannot decode (not JSON, a wrong envelope) is dropped and reported as `UNDECODABLE`; a frame
 * larger than its `maxMessageChars` is dropped unread and reported as `TOO_LARGE`; both through
 * `sink.reportError`, once per frame (a transport may cap how many it reports per second under a flood,
 * but must let a burst of 16 through). What it decodes still goes through the core's validator, which
 * checks the message itself: the transport vouches for the framing, never for the content.
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

  /**
   * Send one JSON-serializable message to this peer. Must not throw for a peer that is gone. A payload
   * whose JSON is longer than the transport's `maxMessageChars` is not sent: it is reported as
   * `TOO_LARGE` (naming this peer) through `raft.reportError`, and write() returns normally. A payload JSON
   * cannot encode (a cycle, a bigint) may throw an Error.
   */
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
   * The largest message this transport carries, in characters (UTF-16 code units, JavaScript's
   * `length`) of the payload's `JSON.stringify`, its own framing not counted (a WebRTC data channel:
   * about 256 KiB). A message of exactly this size is carried; a larger one is refused at the sender and
   * dropped at the receiver, both reported as `TOO_LARGE`. The runtime sizes appends, snapshot chunks and
   * the largest command to fit. Leave it out for no limit beyond the node's own.
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
   * transport's presence timeout. A peer may be reported again by `onPeer` when it comes back. A
   * transport that has `onPeerGone` reports a peer whose transport was closed (the conformance suite
   * checks it). It is a hint, not a failure detector Raft relies on: membership changes only through
   * the log, and a peer reported gone may still be alive behind a partition.
   */
  onPeerGone?(listener: (address: string) => void): () => void;
  /** Stop receiving and release everything. */
  close(): void | Promise<void>;
}
