import {
  type Clock,
  ConfigurationError,
  InvalidMessageError,
  type MessageSink,
  type NodeInstance,
  type RaftError,
  systemClock,
  type Transport,
  type TransportError,
} from '@webraft/core';
import { Emitter } from '../emitter.js';
import { InvalidArgumentError } from '../errors.js';
import { type AllDataStorage, writeTo } from '../local-storage.js';
import type { Peer } from '../peer-directory.js';
import { PeerClosedError, PeerGoneError, PeerTimeoutError, RemotePutError } from './errors.js';
import { type AckMessage, checkPeerMessage, type PutMessage } from './messages.js';

export interface AllDataPeerOptions {
  /** This node's address on `transport`. */
  address: string;
  transport: Transport;
  /** Where puts from other peers are stored when no `_put` listener handles them. */
  storage?: AllDataStorage;
  /** How long a put to a peer may go unanswered before it fails with `PeerTimeoutError`. Default 2000 ms. */
  timeoutMs?: number;
  clock?: Clock;
}

export interface AllDataPeerEvents {
  /**
   * The seed's peer server event: another node's coordinator asks this node to store `event` under
   * `key`; call `callback()` once durable, `callback(error)` if not. Without a listener, `storage` does it.
   */
  _put: (key: string, event: unknown, callback: (error?: unknown) => void) => void;
  /** A message that is not the peer protocol, or the transport's own failures. The peer goes on. */
  error: (error: RaftError) => void;
}

interface Pending {
  to: string;
  timer: unknown;
  callback: (error?: unknown) => void;
}

/** A peer's transport address: `peer.address` when it has one, else its id. */
export function addressOf(peer: Peer): string {
  const address = peer.address ?? peer.id;
  if (typeof address !== 'string' || address === '')
    throw new InvalidArgumentError(
      'peer.address',
      'must be a non-empty string (or leave it out to use peer.id)',
    );
  return address;
}

/**
 * The peer client and peer server of the seed (`alldata-peer-client-*`, `alldata-peer-server-*`) over
 * any webraft `Transport`: `_put(peer, key, event, callback)` sends a put to the peer's node and calls
 * back when it acknowledges, and puts from other nodes are stored in `storage` (or handed to `_put`
 * listeners). Hand the coordinator's `_put` event to `_put` here.
 */
export class AllDataPeer extends Emitter<AllDataPeerEvents> implements MessageSink {
  readonly address: string;
  readonly timeoutMs: number;
  readonly stats = { sent: 0, acknowledged: 0, failed: 0, timedOut: 0, served: 0, invalid: 0 };
  readonly #transport: Transport;
  readonly #storage: AllDataStorage | undefined;
  readonly #clock: Clock;
  readonly #instances = new Map<string, NodeInstance>();
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #state: 'new' | 'running' | 'closed' = 'new';
  #unsubscribe: (() => void)[] = [];
  /** Addresses the transport reported gone and not heard from since: a put to one fails at once. */
  readonly #gone = new Set<string>();
  #remembersGone = false;

  constructor(options: AllDataPeerOptions) {
    super();
    if (typeof options?.address !== 'string' || options.address === '')
      throw new ConfigurationError('AllDataPeer: address must be a non-empty string');
    if (typeof options.transport?.open !== 'function')
      throw new ConfigurationError('AllDataPeer: transport must be a webraft Transport');
    const timeoutMs = options.timeoutMs ?? 2000;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
      throw new ConfigurationError(
        `AllDataPeer: timeoutMs must be a positive number, not ${String(timeoutMs)}`,
      );
    this.address = options.address;
    this.timeoutMs = timeoutMs;
    this.#transport = options.transport;
    this.#storage = options.storage;
    this.#clock = options.clock ?? systemClock;
  }

  /**
   * Opens the transport. A put in flight to a peer the transport reports gone fails at once with
   * `PeerGoneError`. On a transport that also reports peers arriving (`onPeer`), so does a later put to
   * it until the transport reports it again or it sends something; without `onPeer` nothing would tell
   * us it came back, so such puts are sent and wait for the timeout.
   */
  async start(): Promise<void> {
    if (this.#state !== 'new') throw new PeerClosedError();
    this.#state = 'running';
    await this.#transport.open(this);
    this.#remembersGone = this.#transport.onPeer !== undefined;
    const gone = this.#transport.onPeerGone?.((address) => this.#peerGone(address));
    const back = this.#transport.onPeer?.((address) => this.#gone.delete(address));
    for (const unsubscribe of [gone, back]) if (unsubscribe) this.#unsubscribe.push(unsubscribe);
  }

  /** The seed's peer client call. `callback()` once the peer stored the event, `callback(error)` if not. */
  _put(peer: Peer, key: string, event: unknown, callback: (error?: unknown) => void): void {
    if (this.#state !== 'running') {
      callback(new PeerClosedError());
      return;
    }
    let to: string;
    try {
      to = addressOf(peer);
    } catch (error) {
      callback(error);
      return;
    }
    if (this.#gone.has(to)) {
      callback(new PeerGoneError(to));
      return;
    }
    const id = this.#nextId++;
    const timer = this.#clock.setTimer(this.timeoutMs, () => {
      if (this.#settle(id, new PeerTimeoutError(to, this.timeoutMs))) this.stats.timedOut++;
    });
    this.#pending.set(id, { to, timer, callback });
    const message: PutMessage = { t: 'alldata.put', id, key, event };
    try {
      this.#instance(to).write(message);
      this.stats.sent++;
    } catch (error) {
      // An event JSON cannot encode (a cycle, a bigint) fails this put only.
      this.#settle(id, error);
    }
  }

  /** The promise form of `_put`. */
  put(peer: Peer, key: string, event: unknown): Promise<void> {
    return new Promise((resolve, reject) =>
      this._put(peer, key, event, (error) =>
        error === undefined || error === null ? resolve() : reject(error),
      ),
    );
  }

  gotData(from: string, payload: unknown): void {
    if (this.#state !== 'running') return;
    this.#gone.delete(from);
    const message = checkPeerMessage(payload);
    if (typeof message === 'string') {
      this.stats.invalid++;
      this.emit('error', new InvalidMessageError(message, from));
      return;
    }
    if (message.t === 'alldata.ack') {
      const pending = this.#pending.get(message.id);
      // An ack from another node than the one asked, or for a put already settled, changes nothing.
      if (pending === undefined || pending.to !== from) return;
      if (message.ok) {
        this.stats.acknowledged++;
        this.#settle(message.id);
      } else {
        this.#settle(message.id, new RemotePutError(from, message.code ?? 'ERROR', message.message ?? ''));
      }
      return;
    }
    this.#serve(from, message);
  }

  reportError(error: TransportError): void {
    this.emit('error', error);
  }

  /** Fails every put in flight with `PeerClosedError` and closes the transport. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
    for (const id of [...this.#pending.keys()]) this.#settle(id, new PeerClosedError());
    for (const instance of this.#instances.values()) instance.close();
    this.#instances.clear();
    await this.#transport.close();
  }

  #serve(from: string, message: PutMessage): void {
    const reply = (error?: unknown) => {
      if (this.#state !== 'running') return;
      const ack: AckMessage = { t: 'alldata.ack', id: message.id, ok: error === undefined || error === null };
      if (!ack.ok) {
        const e = error as { code?: unknown; name?: unknown; message?: unknown };
        ack.code = typeof e?.code === 'string' ? e.code : typeof e?.name === 'string' ? e.name : 'ERROR';
        ack.message = typeof e?.message === 'string' ? e.message : String(error);
      }
      this.stats.served++;
      this.#instance(from).write(ack);
    };
    let replied = false;
    const once = (error?: unknown) => {
      if (replied) return;
      replied = true;
      reply(error);
    };
    if (this.listenerCount('_put') > 0) {
      try {
        this.emit('_put', message.key, message.event, once);
      } catch (error) {
        once(error);
      }
    } else if (this.#storage !== undefined) {
      writeTo(this.#storage, message.key, message.event, once);
    } else {
      once({ code: 'NO_STORAGE', message: 'this peer has no storage and no _put listener' });
    }
  }

  #instance(address: string): NodeInstance {
    let instance = this.#instances.get(address);
    if (instance === undefined) {
      instance = this.#transport.createInstance(address);
      this.#instances.set(address, instance);
    }
    return instance;
  }

  #peerGone(address: string): void {
    if (this.#remembersGone) this.#gone.add(address);
    for (const [id, pending] of this.#pending)
      if (pending.to === address) this.#settle(id, new PeerGoneError(address));
    this.#instances.get(address)?.close();
    this.#instances.delete(address);
  }

  /** Ends put `id` once; returns whether it was still pending. */
  #settle(id: number, error?: unknown): boolean {
    const pending = this.#pending.get(id);
    if (pending === undefined) return false;
    this.#pending.delete(id);
    this.#clock.clearTimer(pending.timer);
    if (error !== undefined) this.stats.failed++;
    pending.callback(error);
    return true;
  }
}
