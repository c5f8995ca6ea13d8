import type { MessageSink, NodeInstance, Transport } from '@webraft/core';

/**
 * Wraps a transport with a switch that cuts this tab off: while `offline`, nothing is sent and what
 * arrives is dropped, both ways, as a tab without a network would see it (BroadcastChannel itself cannot
 * be partitioned between tabs of one origin). Discovery (`onPeer`) passes through unchanged.
 */
export class CutOffTransport implements Transport {
  offline: boolean;
  readonly #inner: Transport;

  constructor(inner: Transport, offline = false) {
    this.#inner = inner;
    this.offline = offline;
  }

  get maxMessageChars() {
    return this.#inner.maxMessageChars;
  }

  open(sink: MessageSink) {
    const gate: MessageSink = {
      address: sink.address,
      heartbeatTimeout: sink.heartbeatTimeout,
      gotData: (from, payload) => {
        if (!this.offline) sink.gotData(from, payload);
      },
      reportError: sink.reportError?.bind(sink),
    };
    return this.#inner.open(gate);
  }

  createInstance(address: string): NodeInstance {
    const instance = this.#inner.createInstance(address);
    const write = instance.write.bind(instance);
    instance.write = (payload: unknown) => {
      if (!this.offline) write(payload);
    };
    return instance;
  }

  onPeer(listener: (address: string) => void) {
    return this.#inner.onPeer?.(listener) ?? (() => {});
  }

  close() {
    return this.#inner.close();
  }
}
