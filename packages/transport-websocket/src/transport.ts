import {
  ConfigurationError,
  type MessageSink,
  NodeInstance,
  PeerListeners,
  type Transport,
  TransportError,
  type TransportErrorCode,
} from '@webraft/core';
import { backoffDelay, CONNECT_TIMEOUT_MS, DEAD_AFTER_MS, HEARTBEAT_INTERVAL_MS } from './backoff.js';
import {
  type ConnectionEffect,
  type ConnectionEvent,
  type ConnectionState,
  transition,
} from './connection.js';
import {
  CloseCode,
  DEFAULT_MAX_FRAME_BYTES,
  decodeServerFrame,
  isId,
  type ServerFrame,
  type Signal,
  signalProblem,
} from './protocol.js';
import { SendQueue } from './send-queue.js';

/** The part of the WebSocket API used here: the browser's global class and `ws`'s class both fit. */
export interface SocketLike {
  readonly readyState: number;
  readonly bufferedAmount: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}
export type SocketConstructor = new (url: string) => SocketLike;

/** The I/O the connection uses, injectable for tests. Defaults: the real ones. */
export interface ConnectionIO {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  random(): number;
  now(): number;
  /**
   * Calls `wake` when a reconnect should be tried at once (the browser's `online` event; a hidden tab
   * becoming visible). Returns an unsubscribe function.
   */
  onWake(wake: () => void): () => void;
}

export interface WebSocketTransportOptions {
  /** The relay's URL (`ws://` or `wss://`), or several: after a failure or a shutdown the next is tried. */
  url: string | readonly string[];
  /** The room: one per cluster. */
  room: string;
  /** A token from the server's secret (`webraft-server token ...`); needed when the server has a secret. */
  token?: string;
  /** The WebSocket class: in Node, `ws`'s (`import { WebSocket } from 'ws'`); browsers have a global one. */
  WebSocket?: SocketConstructor;
  /** The relay's `--max-frame` (bytes). Default 4 MiB, the server's default. */
  maxFrameBytes?: number;
  /** Bytes the socket may buffer while open before further sends are dropped. Default 16 MiB. */
  maxBufferedBytes?: number;
  io?: Partial<ConnectionIO>;
}

/** Characters of a relayed frame besides its payload: `{"k":"msg","from":"<id>","d":...}` with a 128-character id. */
const FRAME_OVERHEAD_CHARS = 512;

const host = globalThis as unknown as {
  WebSocket?: SocketConstructor;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  addEventListener?(type: string, listener: () => void): void;
  removeEventListener?(type: string, listener: () => void): void;
  document?: {
    visibilityState: string;
    addEventListener(type: string, listener: () => void): void;
    removeEventListener(type: string, listener: () => void): void;
  };
  queueMicrotask(callback: () => void): void;
  URLSearchParams: new (init: Record<string, string>) => { set(key: string, value: string): void };
};

function defaultOnWake(wake: () => void): () => void {
  const g = host;
  const visible = () => {
    if (g.document?.visibilityState === 'visible') wake();
  };
  g.addEventListener?.('online', wake);
  g.document?.addEventListener('visibilitychange', visible);
  return () => {
    g.removeEventListener?.('online', wake);
    g.document?.removeEventListener('visibilitychange', visible);
  };
}

const OPEN = 1;

/** Characters of `{"k":"msg","from":<from>,"d":}`: a relayed frame's length less its payload's. */
const msgEnvelopeChars = (from: string) => JSON.stringify(from).length + 24;

class WebSocketInstance extends NodeInstance {
  #closed = false;
  constructor(
    address: string,
    raft: MessageSink,
    private readonly transport: WebSocketTransport,
  ) {
    super(address, raft);
  }
  write(payload: unknown): void {
    if (!this.#closed) this.transport.send(this.address, payload);
  }
  override close(): void {
    this.#closed = true;
  }
}

/**
 * A `Transport` over WebSocket through `@webraft/server`: one connection to the relay carries the
 * messages to and from every peer of the room. It reconnects by itself (see `connection.ts` for the
 * lifecycle and `backoff.ts` for its timing) and keeps what is written while disconnected in a bounded
 * queue. Frames from the relay are validated; a bad or oversized one is reported through
 * `sink.reportError` and never reaches the node.
 */
export class WebSocketTransport implements Transport {
  readonly maxMessageChars: number;
  readonly room: string;
  readonly #urls: readonly string[];
  #urlIndex = 0;
  readonly #token: string | undefined;
  readonly #Socket: SocketConstructor;
  readonly #maxFrameBytes: number;
  readonly #maxBufferedBytes: number;
  readonly #io: ConnectionIO;

  #state: ConnectionState = { name: 'idle' };
  #sink: MessageSink | null = null;
  #socket: SocketLike | null = null;
  #connectTimer: unknown = null;
  #retryTimer: unknown = null;
  #heartbeatTimer: unknown = null;
  #lastHeard = 0;
  #offWake: (() => void) | null = null;
  readonly #queue = new SendQueue();
  /** Frames dropped from the queue in this outage; reported once per outage. */
  #overflowed = 0;
  readonly #peers = new Set<string>();
  readonly #peerListeners = new PeerListeners((task) => host.queueMicrotask(task));
  readonly #stateListeners = new Set<(state: ConnectionState['name']) => void>();
  readonly #signalListeners = new Set<(from: string, signal: Signal) => void>();

  constructor(options: WebSocketTransportOptions) {
    const urls = typeof options.url === 'string' ? [options.url] : [...options.url];
    if (urls.length === 0 || !urls.every((u) => typeof u === 'string' && /^wss?:\/\//.test(u)))
      throw new ConfigurationError('url must be a ws:// or wss:// URL, or a non-empty list of them');
    if (!isId(options.room)) throw new ConfigurationError('room must match [A-Za-z0-9._:@-]{1,128}');
    if (options.token !== undefined && typeof options.token !== 'string')
      throw new ConfigurationError('token must be a string');
    const Socket = options.WebSocket ?? host.WebSocket;
    if (typeof Socket !== 'function')
      throw new ConfigurationError("no WebSocket class: pass one (in Node: import { WebSocket } from 'ws')");
    const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    if (!Number.isSafeInteger(maxFrameBytes) || maxFrameBytes < 16 * 1024)
      throw new ConfigurationError('maxFrameBytes must be an integer of at least 16384');
    this.#urls = urls;
    this.room = options.room;
    this.#token = options.token;
    this.#Socket = Socket;
    this.#maxFrameBytes = maxFrameBytes;
    this.#maxBufferedBytes = options.maxBufferedBytes ?? 16 * 1024 * 1024;
    // Any JSON of this many characters encodes to at most 3 bytes per character: it fits a frame.
    this.maxMessageChars = Math.floor((maxFrameBytes - FRAME_OVERHEAD_CHARS) / 3);
    this.#io = {
      setTimeout: (callback, ms) => host.setTimeout(callback, ms),
      clearTimeout: (handle) => host.clearTimeout(handle),
      random: Math.random,
      now: () => Date.now(),
      onWake: defaultOnWake,
      ...options.io,
    };
  }

  /** The connection's state: `idle`, `connecting`, `open`, `backingOff` or `closed`. */
  get state(): ConnectionState['name'] {
    return this.#state.name;
  }

  /** Peers the relay lists in the room now. */
  get peers(): string[] {
    return [...this.#peers];
  }

  /** Subscribes to state changes; returns an unsubscribe function. */
  onStateChange(listener: (state: ConnectionState['name']) => void): () => void {
    this.#stateListeners.add(listener);
    return () => void this.#stateListeners.delete(listener);
  }

  open(sink: MessageSink): void {
    if (this.#sink) throw new ConfigurationError('open() was already called');
    if (this.#state.name === 'closed') throw new ConfigurationError('the transport is closed');
    if (!isId(sink.address))
      throw new ConfigurationError('the node address must match [A-Za-z0-9._:@-]{1,128}');
    this.#sink = sink;
    this.#offWake = this.#io.onWake(() => this.#dispatch({ type: 'wake' }));
    this.#dispatch({ type: 'start' });
  }

  createInstance(address: string): NodeInstance {
    if (!this.#sink) throw new ConfigurationError('open() the transport first');
    return new WebSocketInstance(address, this.#sink, this);
  }

  onPeer(listener: (address: string) => void): () => void {
    return this.#peerListeners.onPeer(listener, this.#peers);
  }

  onPeerGone(listener: (address: string) => void): () => void {
    return this.#peerListeners.onPeerGone(listener);
  }

  /**
   * Sends a WebRTC signal to `to` through the relay (for a WebRTC transport that uses this connection
   * for signaling). Throws TypeError for a malformed signal; dropped while disconnected like messages.
   */
  sendSignal(to: string, signal: Signal): void {
    const problem = signalProblem(signal);
    if (problem) throw new TypeError(`not a signal: ${problem}`);
    this.#sendFrame(to, `{"k":"signal","to":${JSON.stringify(to)},"d":${JSON.stringify(signal)}}`);
  }

  /** Subscribes to WebRTC signals from room members; returns an unsubscribe function. */
  onSignal(listener: (from: string, signal: Signal) => void): () => void {
    this.#signalListeners.add(listener);
    return () => void this.#signalListeners.delete(listener);
  }

  close(): void {
    this.#dispatch({ type: 'stop' });
    this.#signalListeners.clear();
    this.#offWake?.();
    this.#offWake = null;
    this.#queue.clear();
    this.#peers.clear();
    this.#peerListeners.clear();
  }

  /** Sends `payload` to `to` now, or queues it until connected. Throws TypeError for non-JSON. */
  send(to: string, payload: unknown): void {
    if (this.#state.name === 'closed') return;
    const d = JSON.stringify(payload); // throws TypeError for a cycle or a bigint
    if (d === undefined) throw new TypeError(`the payload to ${to} is not JSON-serializable`);
    if (d.length > this.maxMessageChars) {
      this.#report(
        'TOO_LARGE',
        `a message of ${d.length} characters to ${to} is larger than the ${this.maxMessageChars} this transport carries; dropped`,
        to,
      );
      return;
    }
    this.#sendFrame(to, `{"k":"send","to":${JSON.stringify(to)},"d":${d}}`);
  }

  /** Sends a frame that fits (payloads were checked against maxMessageChars, signals are small). */
  #sendFrame(to: string, frame: string): void {
    const socket = this.#socket;
    if (this.#state.name === 'open' && socket && socket.readyState === OPEN) {
      if (socket.bufferedAmount > this.#maxBufferedBytes) {
        this.#report(
          'OVERFLOW',
          `the socket buffers over ${this.#maxBufferedBytes} bytes; a message to ${to} was dropped`,
          to,
        );
        return;
      }
      socket.send(frame);
      return;
    }
    const dropped = this.#queue.push(frame);
    if (dropped > 0) {
      if (this.#overflowed === 0)
        this.#report(
          'OVERFLOW',
          `the send queue is full while disconnected from the relay; the oldest ${dropped} message(s) were dropped (further drops in this outage are not reported)`,
        );
      this.#overflowed += dropped;
    }
  }

  // ------------------------------------------------------------------ the state machine's effects

  #dispatch(event: ConnectionEvent): void {
    const before = this.#state.name;
    const { state, effects } = transition(this.#state, event);
    this.#state = state;
    for (const effect of effects) this.#perform(effect);
    if (state.name !== before) for (const listener of this.#stateListeners) listener(state.name);
  }

  #perform(effect: ConnectionEffect): void {
    switch (effect.type) {
      case 'openSocket':
        this.#openSocket();
        return;
      case 'closeSocket':
        this.#dropSocket(1000, 'closed');
        return;
      case 'scheduleRetry':
        this.#retryTimer = this.#io.setTimeout(
          () => {
            this.#retryTimer = null;
            this.#dispatch({ type: 'retry' });
          },
          backoffDelay(effect.attempt, this.#io.random),
        );
        return;
      case 'cancelRetry':
        if (this.#retryTimer !== null) this.#io.clearTimeout(this.#retryTimer);
        this.#retryTimer = null;
        return;
      case 'flush':
        this.#flush();
        return;
      case 'report':
        this.#report(effect.code, effect.message);
        return;
    }
  }

  #openSocket(): void {
    const sink = this.#sink as MessageSink;
    const base = this.#urls[this.#urlIndex % this.#urls.length] as string;
    const query = new host.URLSearchParams({ room: this.room, node: sink.address });
    if (this.#token !== undefined) query.set('token', this.#token);
    const url = `${base}${base.includes('?') ? '&' : '?'}${query}`;
    let socket: SocketLike;
    try {
      socket = new this.#Socket(url);
    } catch (error) {
      this.#report('CONNECTION', `could not create a WebSocket for ${base}: ${String(error)}`);
      this.#socketClosed(1006, 'could not create the socket');
      return;
    }
    this.#socket = socket;
    this.#connectTimer = this.#io.setTimeout(() => {
      this.#connectTimer = null;
      if (this.#socket === socket) this.#abandon(4408, 'connect timeout');
    }, CONNECT_TIMEOUT_MS);
    socket.onmessage = (event) => {
      if (this.#socket === socket) this.#receive(event.data);
    };
    socket.onclose = (event) => {
      if (this.#socket === socket) this.#socketClosed(event.code, event.reason);
    };
    socket.onerror = () => {}; // a close event follows
  }

  /** Closes the current socket without waiting for its close event, and reports it closed. */
  #abandon(code: number, reason: string): void {
    this.#dropSocket(1000, reason);
    this.#socketClosed(code, reason);
  }

  #socketClosed(code: number, reason: string): void {
    this.#clearSocketTimers();
    this.#socket = null;
    this.#overflowed = 0;
    this.#urlIndex++;
    this.#dispatch({ type: 'socketClosed', code, reason });
  }

  #dropSocket(code: number, reason: string): void {
    const socket = this.#socket;
    this.#clearSocketTimers();
    this.#socket = null;
    if (!socket) return;
    socket.onopen = socket.onmessage = socket.onclose = null;
    // Still listened to: a socket closed while connecting reports its own abort as an error after
    // close() returns, and `ws` throws an 'error' event nobody listens to (an uncaught exception).
    socket.onerror = ignoreError;
    try {
      socket.close(code, reason);
    } catch {
      // closing a socket that never opened may throw in some implementations; it is gone either way
    }
  }

  #clearSocketTimers(): void {
    if (this.#connectTimer !== null) this.#io.clearTimeout(this.#connectTimer);
    if (this.#heartbeatTimer !== null) this.#io.clearTimeout(this.#heartbeatTimer);
    this.#connectTimer = this.#heartbeatTimer = null;
  }

  /** While open: a ping now and then; a connection silent for DEAD_AFTER_MS is replaced. */
  #heartbeat(): void {
    this.#heartbeatTimer = this.#io.setTimeout(() => {
      this.#heartbeatTimer = null;
      if (this.#io.now() - this.#lastHeard > DEAD_AFTER_MS) return this.#abandon(CloseCode.DEAD, 'no answer');
      this.#socket?.send('{"k":"ping"}');
      this.#heartbeat();
    }, HEARTBEAT_INTERVAL_MS);
  }

  #flush(): void {
    const socket = this.#socket;
    if (!socket) return;
    for (const frame of this.#queue.drain()) socket.send(frame);
  }

  #receive(data: unknown): void {
    this.#lastHeard = this.#io.now();
    if (typeof data !== 'string') {
      this.#report('UNDECODABLE', 'a binary frame arrived from the relay; dropped');
      return;
    }
    // Not even parsed when it cannot hold a message this transport carries.
    if (data.length > this.maxMessageChars + FRAME_OVERHEAD_CHARS) {
      this.#tooLarge(data.length);
      return;
    }
    const decoded = decodeServerFrame(data);
    if (!decoded.ok) {
      this.#report('UNDECODABLE', `a frame from the relay was refused (${decoded.reason}); dropped`);
      return;
    }
    const frame = decoded.frame;
    // The relay encodes `{"k":"msg","from":...,"d":...}` with JSON.stringify, as the sender encoded `d`:
    // what is left of the frame besides the envelope is the payload's JSON.
    if (frame.k === 'msg' && data.length - msgEnvelopeChars(frame.from) > this.maxMessageChars) {
      this.#tooLarge(data.length - msgEnvelopeChars(frame.from));
      return;
    }
    this.#handle(frame);
  }

  #handle(frame: ServerFrame): void {
    const sink = this.#sink as MessageSink;
    switch (frame.k) {
      case 'msg':
        if (frame.from !== sink.address) sink.gotData(frame.from, frame.d);
        return;
      case 'welcome': {
        if (this.#state.name !== 'connecting') return;
        if (this.#connectTimer !== null) this.#io.clearTimeout(this.#connectTimer);
        this.#connectTimer = null;
        this.#heartbeat();
        const now = new Set(frame.peers.filter((p) => p !== sink.address));
        for (const peer of [...this.#peers]) if (!now.has(peer)) this.#peerLeft(peer);
        for (const peer of now) this.#peerJoined(peer);
        this.#dispatch({ type: 'welcome' });
        return;
      }
      case 'joined':
        if (frame.id !== sink.address) this.#peerJoined(frame.id);
        return;
      case 'left':
        this.#peerLeft(frame.id);
        return;
      case 'shutdown':
        // A close with 1012 follows; the state machine reconnects then.
        return;
      case 'signal':
        for (const listener of [...this.#signalListeners]) listener(frame.from, frame.d);
        return;
      case 'pong':
        return;
    }
  }

  #peerJoined(peer: string): void {
    if (this.#peers.has(peer)) return;
    this.#peers.add(peer);
    this.#peerListeners.joined(peer);
  }

  #peerLeft(peer: string): void {
    if (!this.#peers.delete(peer)) return;
    this.#peerListeners.left(peer);
  }

  #tooLarge(chars: number): void {
    this.#report(
      'TOO_LARGE',
      `a message of ${chars} characters arrived from the relay, more than the ${this.maxMessageChars} this transport carries; dropped`,
    );
  }

  #report(code: TransportErrorCode, message: string, peer?: string): void {
    this.#sink?.reportError?.(new TransportError(message, undefined, code, peer));
  }
}

function ignoreError(): void {}
