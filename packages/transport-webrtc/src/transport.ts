import {
  ConfigurationError,
  type MessageSink,
  NodeInstance,
  PeerListeners,
  type Transport,
  TransportError,
  type TransportErrorCode,
} from '@webraft/core';
import { ReportBudget } from '@webraft/transport-broadcastchannel';
import { isId, signalProblem } from '@webraft/transport-websocket/protocol';
import { Link, type LinkContext } from './link.js';
import type { PeerConnectionFactory, WebRtcImplementation } from './peer-connection.js';
import type { Signal, Signaling } from './signaling.js';
import { emptyStats, type WebRtcStats } from './stats.js';

/** The default `maxMessageChars` (1 Mi characters), lowered to what the relay fallback carries. */
export const DEFAULT_MAX_MESSAGE_CHARS = 1024 * 1024;
/** The default `maxPeers`: direct channels a node keeps at most. */
export const DEFAULT_MAX_PEERS = 16;
/** The default `connectTimeoutMs`: an attempt not open by then failed (ICE timeout); the pair falls back. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 8000;

export interface WebRtcTransportOptions {
  /** How peers find each other and exchange offers: `RelaySignaling` or `BroadcastChannelSignaling`. */
  signaling: Signaling;
  /** The room: one per cluster (letters, digits and `._:@-`, at most 128). */
  room: string;
  /** STUN and TURN servers (RTCIceServer[]); none by default (enough on one host or one LAN). */
  iceServers?: readonly unknown[];
  /** The WebRTC classes where there are no globals: `@roamhq/wrtc` in Node. */
  wrtc?: WebRtcImplementation;
  /** Direct channels at most; the other members are reached through the relay. Default 16. */
  maxPeers?: number;
  /** The largest message in JSON characters; default 1 Mi, never more than the relay fallback carries. */
  maxMessageChars?: number;
  /** How long a connection attempt may take before the pair falls back to the relay (ms). Default 8000. */
  connectTimeoutMs?: number;
  /**
   * Makes the peer connections. By default simple-peer (`createSimplePeerConnection`); the
   * `@webraft/transport-webrtc/native` entry's transport defaults to `createNativePeerConnection`.
   */
  peerConnectionFactory?: PeerConnectionFactory;
  /** Randomness for the backoff's jitter (tests). */
  random?: () => number;
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new ConfigurationError(`${name} must be a positive integer, not ${String(value)}`);
  return value;
}

class WebRtcInstance extends NodeInstance {
  constructor(
    address: string,
    raft: MessageSink,
    private readonly transport: WebRtcTransportBase,
  ) {
    super(address, raft);
  }
  write(payload: unknown): void {
    this.transport.send(this.address, payload);
  }
}

/**
 * A `Transport` over WebRTC data channels: a mesh among the members of a room (at most `maxPeers`
 * direct channels), signaled through `signaling`, one ordered reliable channel per pair. Messages are
 * framed and split into chunks (framing.ts), queued in a bounded outbox per peer (outbox.ts), and a pair
 * that cannot connect or lost its channel talks through the relay while it reconnects (link.ts).
 * Nothing from a channel reaches the node before its framing is checked; the node validates the rest.
 * Each entry point exports it as `WebRtcTransport` with its own default `peerConnectionFactory`
 * (simple-peer-transport.ts, native-transport.ts): this file imports no peer connection, so the
 * `native` entry bundles without simple-peer and the Node polyfills it needs.
 */
export abstract class WebRtcTransportBase implements Transport {
  readonly room: string;
  readonly maxPeers: number;
  readonly connectTimeoutMs: number;
  readonly #signaling: Signaling;
  readonly #iceServers: readonly unknown[];
  readonly #wrtc: WebRtcImplementation | undefined;
  readonly #factory: PeerConnectionFactory;
  readonly #random: () => number;
  readonly #maxMessageChars: number;
  readonly #stats = emptyStats();
  readonly #budget = new ReportBudget(() => Date.now());
  #sink: MessageSink | null = null;
  #closed = false;
  /** Room members, in the order they were heard of; those within `maxPeers` have a link. */
  readonly #members = new Set<string>();
  readonly #links = new Map<string, Link>();
  readonly #peerListeners = new PeerListeners();
  readonly #directListeners = new Set<(address: string, direct: boolean) => void>();

  constructor(options: WebRtcTransportOptions, defaultFactory: PeerConnectionFactory) {
    if (typeof options !== 'object' || options === null)
      throw new ConfigurationError('WebRtcTransport needs options: { signaling, room }');
    if (!isId(options.room)) throw new ConfigurationError('room must match [A-Za-z0-9._:@-]{1,128}');
    const signaling = options.signaling;
    if (typeof signaling?.attach !== 'function' || typeof signaling.sendSignal !== 'function')
      throw new ConfigurationError(
        'signaling must be a Signaling (RelaySignaling, BroadcastChannelSignaling)',
      );
    this.room = options.room;
    this.maxPeers = positiveInteger('maxPeers', options.maxPeers, DEFAULT_MAX_PEERS);
    this.connectTimeoutMs = positiveInteger(
      'connectTimeoutMs',
      options.connectTimeoutMs,
      DEFAULT_CONNECT_TIMEOUT_MS,
    );
    this.#iceServers = options.iceServers ?? [];
    this.#wrtc = options.wrtc;
    this.#factory = options.peerConnectionFactory ?? defaultFactory;
    this.#random = options.random ?? Math.random;
    signaling.attach(options.room);
    this.#signaling = signaling;
    const own = positiveInteger('maxMessageChars', options.maxMessageChars, DEFAULT_MAX_MESSAGE_CHARS);
    this.#maxMessageChars = Math.min(own, signaling.maxRelayChars ?? own);
  }

  get maxMessageChars(): number {
    return this.#maxMessageChars;
  }

  /** Counters since the transport was made (a copy). */
  get stats(): WebRtcStats {
    return { ...this.#stats };
  }

  /** Room members now. */
  get peers(): string[] {
    return [...this.#members];
  }

  /** Members reached on an open direct data channel now. */
  get directPeers(): string[] {
    return [...this.#links.values()].filter((link) => link.direct).map((link) => link.peer);
  }

  /** The link to `peer`, for tests and diagnostics (its `direct`, `relayed`, `connection`). */
  link(peer: string): Link | undefined {
    return this.#links.get(peer);
  }

  open(sink: MessageSink): void | Promise<void> {
    if (this.#closed) throw new ConfigurationError('this transport is closed: make a new one');
    if (this.#sink) throw new ConfigurationError('open() was already called');
    if (!isId(sink.address))
      throw new ConfigurationError('the node address must match [A-Za-z0-9._:@-]{1,128}');
    this.#sink = sink;
    return this.#signaling.open(sink.address, {
      signal: (from, signal) => this.#signal(from, signal),
      relayed: (from, payload) => {
        if (!this.#closed && from !== sink.address) sink.gotData(from, payload);
      },
      peer: (id) => this.#joined(id),
      peerGone: (id) => this.#left(id),
      error: (error) => this.#reportError(error),
    });
  }

  createInstance(address: string): NodeInstance {
    if (!this.#sink) throw new ConfigurationError('open() the transport first');
    return new WebRtcInstance(address, this.#sink, this);
  }

  onPeer(listener: (address: string) => void): () => void {
    return this.#peerListeners.onPeer(listener, this.#members);
  }

  onPeerGone(listener: (address: string) => void): () => void {
    return this.#peerListeners.onPeerGone(listener);
  }

  /** Subscribes to direct channels opening (`true`) and closing (`false`); returns an unsubscribe function. */
  onDirect(listener: (address: string, direct: boolean) => void): () => void {
    this.#directListeners.add(listener);
    return () => void this.#directListeners.delete(listener);
  }

  /** Sends `payload` to `to` (NodeInstance.write). Throws TypeError for a payload JSON cannot encode. */
  send(to: string, payload: unknown): void {
    if (this.#closed || !this.#sink) return;
    const json = JSON.stringify(payload); // throws for cycles and bigints, as the contract allows
    if (json === undefined) throw new TypeError(`a ${typeof payload} is not JSON`);
    if (json.length > this.#maxMessageChars) {
      this.#report(
        'TOO_LARGE',
        `a message of ${json.length} characters to ${to} is larger than maxMessageChars (${this.#maxMessageChars}); not sent`,
        to,
      );
      return;
    }
    const link = this.#links.get(to);
    if (link) {
      link.send(json, payload);
      return;
    }
    // Not a member with a direct channel (beyond maxPeers, or unknown): the relay, when there is one.
    if (this.#signaling.relay) {
      this.#stats.relayed++;
      this.#signaling.relay(to, payload);
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const link of this.#links.values()) link.close();
    this.#links.clear();
    this.#members.clear();
    this.#signaling.close();
    this.#peerListeners.clear();
    this.#directListeners.clear();
  }

  #joined(id: string): void {
    const self = this.#sink?.address;
    if (this.#closed || id === self || this.#members.has(id)) return;
    this.#members.add(id);
    this.#fillLinks();
    this.#peerListeners.joined(id);
  }

  /**
   * A member left the room as the signaling sees it. An open direct channel is kept: the relay going
   * away (a graceful shutdown announces everyone as gone) must not cut the cluster's direct links. The
   * link goes when its channel closes (`#channelChanged`).
   */
  #left(id: string): void {
    if (!this.#members.delete(id)) return;
    if (!this.#links.get(id)?.direct) this.#dropLink(id);
    this.#peerListeners.left(id);
  }

  #dropLink(id: string): void {
    this.#links.get(id)?.close();
    if (this.#links.delete(id)) this.#fillLinks();
  }

  #channelChanged(peer: string, direct: boolean): void {
    if (!direct && !this.#members.has(peer)) this.#dropLink(peer);
    for (const listener of [...this.#directListeners]) listener(peer, direct);
  }

  /** Gives members without a link one, while there are fewer than `maxPeers`. */
  #fillLinks(): void {
    const sink = this.#sink;
    if (!sink) return;
    for (const member of this.#members) {
      if (this.#links.size >= this.maxPeers) return;
      if (this.#links.has(member)) continue;
      const link = new Link(sink.address, member, this.#linkContext(sink));
      this.#links.set(member, link);
      link.start();
    }
  }

  #linkContext(sink: MessageSink): LinkContext {
    const relay = this.#signaling.relay?.bind(this.#signaling) ?? null;
    return {
      connect: (initiator, events) =>
        this.#factory({ initiator, iceServers: this.#iceServers, wrtc: this.#wrtc, events }),
      sendSignal: (to, signal) => this.#signaling.sendSignal(to, signal),
      relay,
      deliver: (from, payload) => {
        if (!this.#closed) sink.gotData(from, payload);
      },
      report: (code, message, peer) => this.#report(code, message, peer),
      changed: (peer, direct) => this.#channelChanged(peer, direct),
      stats: this.#stats,
      connectTimeoutMs: this.connectTimeoutMs,
      maxMessageChars: this.#maxMessageChars,
      random: this.#random,
    };
  }

  #signal(from: string, signal: unknown): void {
    if (this.#closed || from === this.#sink?.address) return;
    const problem = signalProblem(signal);
    if (problem) {
      this.#stats.badSignals++;
      this.#report('UNDECODABLE', `a signal from ${from} was dropped: ${problem}`, from);
      return;
    }
    const link = this.#links.get(from);
    if (!link) {
      // Not a member (or beyond maxPeers): nothing to connect. Stale signals after a departure end here.
      this.#stats.unknownPeerSignals++;
      return;
    }
    link.signal(signal as Signal);
  }

  #report(code: TransportErrorCode, message: string, peer?: string): void {
    this.#reportError(new TransportError(message, undefined, code, peer));
  }

  #reportError(error: TransportError): void {
    if (!this.#budget.take()) {
      this.#stats.unreported++;
      return;
    }
    this.#sink?.reportError?.(error);
  }
}
