import { ConfigurationError } from '../errors.js';
import { addressProblem } from '../protocol/address.js';
import { DEFAULT_MESSAGE_LIMITS } from '../protocol/validate.js';
import { describe } from '../protocol/validate-json.js';
import { macrotask } from '../runtime/macrotask.js';
import { type MessageSink, NodeInstance, type Transport } from './types.js';

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

/** A message (its JSON) or a peer notification, kept in the order they were queued. */
interface Queued {
  from: string;
  to: string;
  json: string;
  /** A peer notification instead of a message. */
  task: (() => void) | null;
}

/** How a `MemoryNetwork` hands messages to their receivers (see `MemoryNetworkOptions`). */
export type MemoryDelivery = 'batched' | 'per-message';

export interface MemoryNetworkOptions {
  /**
   * - `'batched'` (the default): everything written in one turn of the event loop is delivered in one
   *   later task, in order. The cheapest way to run many nodes in one process.
   * - `'per-message'`: each message is delivered in a task of its own, as BroadcastChannel,
   *   WebSocket and WebRTC data channels deliver (each `message` event is a task): the receiver's
   *   promise work runs between two messages, and other tasks (timers, I/O) may run in between.
   */
  delivery?: MemoryDelivery;
}

/** Per-message mode compacts its queue once this many delivered slots lead it. */
const COMPACT_AFTER = 1024;

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
 * turn of the event loop, never synchronously and never in a microtask. Delivery is FIFO per link
 * (and globally). By default all messages written in one turn go out in one flush;
 * `new MemoryNetwork({ delivery: 'per-message' })` delivers each in its own task instead, as the
 * browser transports do.
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
  /** How messages are handed over: in one task per turn, or one task each. */
  readonly delivery: MemoryDelivery;
  /** Messages and peer notifications not yet delivered (per-message mode: from `#head` on). */
  #queue: Queued[] = [];
  #head = 0;
  /** Items queued and items handed over (or dropped on delivery), since the network was made. */
  #queued = 0;
  #settled = 0;
  /** `flushed()` callers, each waiting until `#settled` reaches `until`; in order of `until`. */
  #waiters: { until: number; resolve: () => void }[] = [];
  /** Batched mode: a flush is scheduled. */
  #scheduled = false;

  constructor(options: MemoryNetworkOptions = {}) {
    const delivery = options?.delivery ?? 'batched';
    if (delivery !== 'batched' && delivery !== 'per-message')
      throw new ConfigurationError(`delivery must be 'batched' or 'per-message', not ${String(delivery)}`);
    this.delivery = delivery;
  }

  /** Counters since the network was made. */
  readonly stats = { sent: 0, delivered: 0, dropped: 0 };

  /**
   * Called when a receiver's `gotData` or a peer listener throws. The other messages are delivered
   * either way. By default the error is rethrown on a later turn, so that it is loud (an uncaught error).
   */
  onError: (error: unknown) => void = (error) =>
    macrotask(() => {
      throw error;
    });

  /** A transport for `address`. It receives once `open(sink)` is called, with `sink.address === address`. */
  transport(address: string): MemoryTransport {
    const problem = addressProblem(address, DEFAULT_MESSAGE_LIMITS.maxIdLength);
    if (problem !== null)
      throw new ConfigurationError(`address ${describe(address)} ${problem} (see the address rule)`);
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
    if (this.#settled === this.#queued) return Promise.resolve();
    const until = this.#queued;
    return new Promise((resolve) => this.#waiters.push({ until, resolve }));
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
    this.#enqueue({
      from: '',
      to: '',
      json: '',
      task: () => {
        if (listeners.has(listener)) listener(address);
      },
    });
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
    this.#enqueue({ from, to, json, task: null });
  }

  #enqueue(item: Queued): void {
    this.#queue.push(item);
    this.#queued++;
    if (this.delivery === 'per-message') {
      macrotask(this.#deliverNext);
    } else if (!this.#scheduled) {
      this.#scheduled = true;
      macrotask(this.#flush);
    }
  }

  /** Batched mode: one task delivers everything queued so far; what it causes to be written waits for the next. */
  readonly #flush = (): void => {
    this.#scheduled = false;
    const queue = this.#queue;
    this.#queue = [];
    for (let i = 0; i < queue.length; i++) this.#deliver(queue[i]!);
  };

  /** Per-message mode: each task delivers the oldest item (tasks run in the order they were scheduled). */
  readonly #deliverNext = (): void => {
    const queue = this.#queue;
    const item = queue[this.#head]!;
    queue[this.#head++] = EMPTY_SLOT;
    if (this.#head === queue.length) {
      queue.length = 0;
      this.#head = 0;
    } else if (this.#head >= COMPACT_AFTER && this.#head * 2 >= queue.length) {
      this.#queue = queue.slice(this.#head);
      this.#head = 0;
    }
    this.#deliver(item);
  };

  #deliver(item: Queued): void {
    const { task, from, to } = item;
    try {
      if (task !== null) {
        task();
      } else {
        const sink = this.#open.get(to)?.sink;
        if (!sink || this.#blocked(from, to)) {
          this.stats.dropped++;
        } else {
          this.stats.delivered++;
          sink.gotData(from, JSON.parse(item.json));
        }
      }
    } catch (error) {
      this.onError(error);
    }
    this.#settled++;
    if (this.#waiters.length > 0) this.#releaseWaiters();
  }

  #releaseWaiters(): void {
    const waiters = this.#waiters;
    let n = 0;
    while (n < waiters.length && waiters[n]!.until <= this.#settled) n++;
    if (n === 0) return;
    for (const { resolve } of waiters.splice(0, n)) resolve();
  }
}

/** What a delivered slot of the per-message queue holds (the item itself is released). */
const EMPTY_SLOT: Queued = { from: '', to: '', json: '', task: null };
