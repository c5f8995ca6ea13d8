import { ConfigurationError } from '../errors.js';
import { type MessageSink, NodeInstance, type Transport } from './types.js';

interface PortLike {
  onmessage: ((event: unknown) => void) | null;
  postMessage(message: unknown): void;
}
declare const MessageChannel: (new () => { port1: PortLike; port2: PortLike }) | undefined;
declare function setTimeout(callback: () => void, ms: number): unknown;

/** Runs a callback on a later turn of the event loop: a macrotask, never synchronously or as a microtask. */
function macrotaskScheduler(): (callback: () => void) => void {
  const { setImmediate } = globalThis as { setImmediate?: (callback: () => void) => unknown };
  if (typeof setImmediate === 'function') return (callback) => void setImmediate(callback);
  if (typeof MessageChannel === 'function') {
    // Browsers: a posted message is a task, and unlike setTimeout(0) it is not clamped or throttled.
    const channel = new MessageChannel();
    const pending: (() => void)[] = [];
    channel.port1.onmessage = () => pending.shift()?.();
    return (callback) => {
      pending.push(callback);
      channel.port2.postMessage(null);
    };
  }
  return (callback) => void setTimeout(callback, 0);
}

/** A transport of a `MemoryNetwork`, bound to one address. */
export interface MemoryTransport extends Transport {
  readonly address: string;
  onPeer(listener: (address: string) => void): () => void;
  onPeerGone(listener: (address: string) => void): () => void;
}

interface Endpoint {
  transport: MemoryTransport;
  sink: MessageSink | null;
  closed: boolean;
  peerListeners: Set<(address: string) => void>;
  goneListeners: Set<(address: string) => void>;
}

interface Queued {
  from: string;
  to: string;
  json: string;
}

class MemoryInstance extends NodeInstance {
  #closed = false;
  readonly #send: (payload: unknown) => void;
  constructor(address: string, raft: MessageSink, send: (payload: unknown) => void) {
    super(address, raft);
    this.#send = send;
  }
  write(payload: unknown): void {
    if (!this.#closed) this.#send(payload);
  }
  override close(): void {
    this.#closed = true;
  }
}

const link = (from: string, to: string) => `${from}\u0000${to}`;

/**
 * An in-process network for tests, the demo and benchmarks. Each message is serialized with JSON at
 * `write()` (so the receiver gets a copy, and a payload JSON cannot encode throws a `TypeError` right
 * there, as it would on a real socket) and handed to the receiver's `gotData(from, payload)` on a later
 * turn of the event loop, never synchronously and never in a microtask. All messages written in one turn
 * go out in one flush, in order: delivery is FIFO per link (and globally).
 *
 * Messages to an address that is not open, or over a cut link, are dropped silently; a cut also drops
 * messages already queued. The newest transport opened for an address takes it over (the old one is
 * closed): a node restarting after a crash without closing its transport.
 */
export class MemoryNetwork {
  readonly #open = new Map<string, Endpoint>();
  readonly #cut = new Set<string>();
  readonly #isolated = new Set<string>();
  readonly #peerListeners = new Set<(address: string) => void>();
  readonly #schedule = macrotaskScheduler();
  #queue: Queued[] = [];
  #tasks: (() => void)[] = [];
  #waiters: (() => void)[] = [];
  #scheduled = false;

  /** Counters since the network was made. */
  readonly stats = { sent: 0, delivered: 0, dropped: 0 };

  /**
   * Called when a receiver's `gotData` or a peer listener throws. The rest of the flush is delivered
   * either way. By default the error is rethrown on a later turn, so that it is loud (an uncaught error).
   */
  onError: (error: unknown) => void = (error) =>
    this.#schedule(() => {
      throw error;
    });

  /** A transport for `address`. It receives once `open(sink)` is called, with `sink.address === address`. */
  transport(address: string): MemoryTransport {
    if (typeof address !== 'string' || address === '')
      throw new ConfigurationError('address must be a non-empty string');
    const network = this;
    const endpoint: Endpoint = {
      transport: undefined as unknown as MemoryTransport,
      sink: null,
      closed: false,
      peerListeners: new Set(),
      goneListeners: new Set(),
    };
    endpoint.transport = {
      address,
      open(sink: MessageSink): void {
        if (endpoint.closed) throw new ConfigurationError(`the transport for ${address} is closed`);
        if (sink.address !== address) {
          throw new ConfigurationError(
            `sink address ${sink.address} differs from the transport's ${address}`,
          );
        }
        endpoint.sink = sink;
        network.#attach(address, endpoint);
      },
      createInstance(to: string): NodeInstance {
        const sink = endpoint.sink;
        if (sink === null) throw new ConfigurationError(`open() the transport for ${address} first`);
        return new MemoryInstance(to, sink, (payload) => {
          if (!endpoint.closed) network.#send(address, to, payload);
        });
      },
      onPeer(listener: (address: string) => void): () => void {
        endpoint.peerListeners.add(listener);
        if (network.#open.get(address) === endpoint) {
          for (const peer of network.#open.keys())
            if (peer !== address) network.#notify(endpoint.peerListeners, listener, peer);
        }
        return () => void endpoint.peerListeners.delete(listener);
      },
      onPeerGone(listener: (address: string) => void): () => void {
        endpoint.goneListeners.add(listener);
        return () => void endpoint.goneListeners.delete(listener);
      },
      close(): void {
        if (endpoint.closed) return;
        endpoint.closed = true;
        endpoint.peerListeners.clear();
        endpoint.goneListeners.clear();
        if (network.#open.get(address) === endpoint) network.#detach(address);
      },
    };
    return endpoint.transport;
  }

  /** Reports every open address, then each address as it opens. Returns an unsubscribe function. */
  onPeer(listener: (address: string) => void): () => void {
    this.#peerListeners.add(listener);
    for (const address of this.#open.keys()) this.#notify(this.#peerListeners, listener, address);
    return () => void this.#peerListeners.delete(listener);
  }

  /** Addresses with an open transport. */
  get addresses(): string[] {
    return [...this.#open.keys()];
  }

  /** Cuts the link between `a` and `b` (both directions, or only a -> b with `oneWay`). */
  disconnect(a: string, b: string, options: { oneWay?: boolean } = {}): void {
    this.#cut.add(link(a, b));
    if (!options.oneWay) this.#cut.add(link(b, a));
  }

  /** Restores the link between `a` and `b` in both directions (an isolation stays until `heal()`). */
  connect(a: string, b: string): void {
    this.#cut.delete(link(a, b));
    this.#cut.delete(link(b, a));
  }

  /** Cuts `address` off from every other address, present and future. */
  isolate(address: string): void {
    this.#isolated.add(address);
  }

  /** Restores every link and lifts every isolation. */
  heal(): void {
    this.#cut.clear();
    this.#isolated.clear();
  }

  /** Whether a message from `from` to `to` would currently pass (ignoring whether `to` is open). */
  canReach(from: string, to: string): boolean {
    return !this.#blocked(from, to);
  }

  /** Resolves once everything written so far has been delivered or dropped. */
  flushed(): Promise<void> {
    if (!this.#scheduled) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #blocked(from: string, to: string): boolean {
    return (
      (this.#isolated.size > 0 && (this.#isolated.has(from) || this.#isolated.has(to))) ||
      (this.#cut.size > 0 && this.#cut.has(link(from, to)))
    );
  }

  #attach(address: string, endpoint: Endpoint): void {
    const previous = this.#open.get(address);
    if (previous && previous !== endpoint) previous.transport.close();
    this.#open.set(address, endpoint);
    for (const [peer, other] of this.#open) {
      if (other === endpoint) continue;
      for (const listener of other.peerListeners) this.#notify(other.peerListeners, listener, address);
      for (const listener of endpoint.peerListeners) this.#notify(endpoint.peerListeners, listener, peer);
    }
    for (const listener of this.#peerListeners) this.#notify(this.#peerListeners, listener, address);
  }

  /** `address` closed: every other open endpoint hears that it is gone. */
  #detach(address: string): void {
    this.#open.delete(address);
    for (const other of this.#open.values())
      for (const listener of other.goneListeners) this.#notify(other.goneListeners, listener, address);
  }

  /** Tells `listener` about `address` on a later turn, if it is still in `listeners` then. */
  #notify(
    listeners: Set<(address: string) => void>,
    listener: (address: string) => void,
    address: string,
  ): void {
    this.#tasks.push(() => {
      if (listeners.has(listener)) listener(address);
    });
    this.#wake();
  }

  #send(from: string, to: string, payload: unknown): void {
    let json: string | undefined;
    try {
      json = JSON.stringify(payload);
    } catch (cause) {
      throw new TypeError(`MemoryNetwork: the payload to ${to} is not JSON-serializable: ${String(cause)}`, {
        cause,
      });
    }
    if (json === undefined)
      throw new TypeError(`MemoryNetwork: the payload to ${to} is not JSON-serializable`);
    this.stats.sent++;
    if (!this.#open.has(to) || this.#blocked(from, to)) {
      this.stats.dropped++;
      return;
    }
    this.#queue.push({ from, to, json });
    this.#wake();
  }

  #wake(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    this.#schedule(this.#flush);
  }

  readonly #flush = (): void => {
    this.#scheduled = false;
    const tasks = this.#tasks;
    const queue = this.#queue;
    const waiters = this.#waiters;
    this.#tasks = [];
    this.#queue = [];
    this.#waiters = [];
    for (const task of tasks) {
      try {
        task();
      } catch (error) {
        this.onError(error);
      }
    }
    for (const { from, to, json } of queue) {
      const sink = this.#open.get(to)?.sink;
      if (!sink || this.#blocked(from, to)) {
        this.stats.dropped++;
        continue;
      }
      this.stats.delivered++;
      try {
        sink.gotData(from, JSON.parse(json));
      } catch (error) {
        this.onError(error);
      }
    }
    for (const resolve of waiters) resolve();
  };
}
