import { type MessageSink, NodeInstance, type Transport } from '@webraft/core';

/**
 * A node's transport that the inspector can cut off: while `partitioned`, every Raft message to and
 * from the node is dropped, as a network partition drops it. Presence (`onPeer`, `onPeerGone`) still
 * comes from the transport below, as it would from a transport that still sees its peers: membership
 * never depends on it. Raft is built for this: the cut-off leader steps down (check-quorum), the others
 * elect a new one, and the node catches up when healed (pre-vote keeps it from disrupting them).
 */
export class PartitionableTransport implements Transport {
  partitioned = false;
  readonly maxMessageChars?: number;
  readonly onPeer?: Transport['onPeer'];
  readonly onPeerGone?: Transport['onPeerGone'];

  constructor(readonly inner: Transport) {
    if (inner.maxMessageChars !== undefined) this.maxMessageChars = inner.maxMessageChars;
    if (inner.onPeer) this.onPeer = (listener) => inner.onPeer!(listener);
    if (inner.onPeerGone) this.onPeerGone = (listener) => inner.onPeerGone!(listener);
  }

  open(sink: MessageSink): void | Promise<void> {
    const transport = this;
    const filtered: MessageSink = {
      address: sink.address,
      get heartbeatTimeout() {
        return sink.heartbeatTimeout;
      },
      gotData(from, payload) {
        if (!transport.partitioned) sink.gotData(from, payload);
      },
      reportError: sink.reportError?.bind(sink),
    };
    return this.inner.open(filtered);
  }

  createInstance(address: string): NodeInstance {
    return new PartitionableInstance(this, this.inner.createInstance(address));
  }

  close(): void | Promise<void> {
    return this.inner.close();
  }
}

/** A peer of a partitionable transport: writes go to the inner instance unless partitioned. */
class PartitionableInstance extends NodeInstance {
  constructor(
    private readonly transport: PartitionableTransport,
    private readonly inner: NodeInstance,
  ) {
    super(inner.address, inner.raft);
  }

  write(payload: unknown): void {
    if (!this.transport.partitioned) this.inner.write(payload);
  }

  override get messageTimeout(): number {
    return this.inner.messageTimeout;
  }

  override close(): void {
    this.inner.close();
  }
}
