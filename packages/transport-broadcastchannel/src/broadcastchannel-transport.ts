import {
  ConfigurationError,
  type MessageSink,
  NodeInstance,
  type Transport,
  TransportError,
} from '@webraft/core';
import { decodeFrame, type Frame, MAX_ID_LENGTH, type MessageFrame } from './frame.js';
import {
  type BroadcastChannelConstructor,
  type BroadcastChannelLike,
  platform,
  rethrowLater,
} from './platform.js';
import { PeerTable, PRESENCE_INTERVAL_MS, PRESENCE_TIMEOUT_MS } from './presence.js';
import { ReportBudget } from './report-budget.js';

/**
 * The default `maxMessageChars`: the core's own validator limit on a message
 * (`DEFAULT_MESSAGE_LIMITS.maxPayloadChars`), since a larger one would be refused there anyway.
 */
export const DEFAULT_MAX_MESSAGE_CHARS = 8 * 1024 * 1024;

/** The channel of cluster `cluster`: one per cluster, shared by all its tabs (presence). */
export const channelName = (cluster: string): string => `webraft:${cluster}`;

/**
 * The inbox of node `address` in cluster `cluster`: the messages for that node only. Apart from the
 * cluster's channel so that a message wakes only the tab it is for (on the shared channel every tab of
 * the cluster received, copied and dropped every other node's messages: with 3 tabs, half of all
 * deliveries, each a hop through the browser process). JSON-quoted, so no cluster and id pair names
 * another pair's inbox.
 */
export const inboxName = (cluster: string, address: string): string =>
  `webraft-inbox:${JSON.stringify([cluster, address])}`;

/** Outboxes (one channel per addressee) kept open at most; the least recently opened closes first. */
export const MAX_OUTBOXES = 64;

export interface BroadcastChannelTransportOptions {
  /** The cluster's name: tabs of one cluster share one channel. At most 256 characters. */
  cluster: string;
  /** The largest payload carried, in JSON characters (default `DEFAULT_MAX_MESSAGE_CHARS`). */
  maxMessageChars?: number;
  /** How often to say `here` and look for silent peers, ms (default `PRESENCE_INTERVAL_MS`). */
  presenceIntervalMs?: number;
  /** Silence after which a peer is reported gone, ms (default `PRESENCE_TIMEOUT_MS`). */
  presenceTimeoutMs?: number;
  /** The BroadcastChannel class (default: the global one). */
  BroadcastChannel?: BroadcastChannelConstructor;
  /** Time in ms, for presence (default `Date.now`). */
  now?: () => number;
}

/** Counters since the transport was made. */
export interface BroadcastChannelStats {
  /** Messages posted, and payloads handed to the node. */
  sent: number;
  delivered: number;
  /** Messages for other nodes of the cluster, dropped unread. */
  notForMe: number;
  /** Frames of another cluster (a spoof: each cluster has its own channel). */
  otherCluster: number;
  /** Frames that are not ours to decode, or whose payload is not JSON. */
  undecodable: number;
  /** Incoming payloads above `maxMessageChars`, dropped unread. */
  tooLarge: number;
  /** Messages not sent because they were above `maxMessageChars`. */
  refusedTooLarge: number;
  /** Frames claiming to come from this node's own id: a spoof, or a second tab using the same id. */
  fromSelf: number;
  /** Errors counted but not reported (past the report budget). */
  unreported: number;
  /** New peer ids ignored because the peer table was full. */
  ignoredPeers: number;
}

/** Checks the options shared by the constructor; returns the positive integer `value` or the default. */
function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new ConfigurationError(`${name} must be a positive integer, not ${String(value)}`);
  return value;
}

class BroadcastChannelInstance extends NodeInstance {
  constructor(
    address: string,
    raft: MessageSink,
    private readonly transport: BroadcastChannelTransport,
  ) {
    super(address, raft);
  }
  write(payload: unknown): void {
    this.transport.send(this.address, payload);
  }
}

/**
 * A `Transport` between tabs, workers and frames of one origin (and between threads of one Node
 * process): presence on one BroadcastChannel per cluster, each node's messages on an inbox channel of
 * its own (`inboxName`). Discovery: `hello` on open, `here` every
 * `presenceIntervalMs`, `bye` on close and on `pagehide`; `onPeer` reports a newcomer, `onPeerGone` a
 * peer that said goodbye or was silent for `presenceTimeoutMs`. Delivery is asynchronous and ordered from
 * one sender to one addressee (BroadcastChannel's own guarantee, per channel); nothing is queued here, so nothing grows with a flood.
 */
export class BroadcastChannelTransport implements Transport {
  readonly cluster: string;
  readonly maxMessageChars: number;
  readonly presenceIntervalMs: number;
  readonly presenceTimeoutMs: number;
  readonly #stats: Omit<BroadcastChannelStats, 'ignoredPeers'> = {
    sent: 0,
    delivered: 0,
    notForMe: 0,
    otherCluster: 0,
    undecodable: 0,
    tooLarge: 0,
    refusedTooLarge: 0,
    fromSelf: 0,
    unreported: 0,
  };

  readonly #Channel: BroadcastChannelConstructor;
  readonly #now: () => number;
  readonly #peers: PeerTable;
  readonly #budget: ReportBudget;
  #channel: BroadcastChannelLike | null = null;
  /** This node's inbox (`inboxName`): every message for it. */
  #inbox: BroadcastChannelLike | null = null;
  /** A channel to each addressee's inbox, opened on the first message to it, in opening order. */
  readonly #outboxes = new Map<string, BroadcastChannelLike>();
  #sink: MessageSink | null = null;
  #address = '';
  #timer: unknown = null;
  #closed = false;
  /** When a frame under this node's own id was last heard (null: never), for DUPLICATE_NODE_ID. */
  #duplicateHeardAt: number | null = null;

  constructor(options: BroadcastChannelTransportOptions) {
    if (typeof options !== 'object' || options === null)
      throw new ConfigurationError('BroadcastChannelTransport needs options: { cluster }');
    const { cluster } = options;
    if (typeof cluster !== 'string' || cluster.length === 0 || cluster.length > MAX_ID_LENGTH)
      throw new ConfigurationError(`cluster must be a string of 1 to ${MAX_ID_LENGTH} characters`);
    const Channel = options.BroadcastChannel ?? platform.BroadcastChannel;
    if (typeof Channel !== 'function')
      throw new ConfigurationError('BroadcastChannel is not available here: pass options.BroadcastChannel');
    this.cluster = cluster;
    this.maxMessageChars = positiveInteger(
      'maxMessageChars',
      options.maxMessageChars,
      DEFAULT_MAX_MESSAGE_CHARS,
    );
    this.presenceIntervalMs = positiveInteger(
      'presenceIntervalMs',
      options.presenceIntervalMs,
      PRESENCE_INTERVAL_MS,
    );
    this.presenceTimeoutMs = positiveInteger(
      'presenceTimeoutMs',
      options.presenceTimeoutMs,
      PRESENCE_TIMEOUT_MS,
    );
    if (this.presenceTimeoutMs <= this.presenceIntervalMs)
      throw new ConfigurationError('presenceTimeoutMs must be longer than presenceIntervalMs');
    this.#Channel = Channel;
    this.#now = options.now ?? Date.now;
    this.#peers = new PeerTable(this.#now, rethrowLater);
    this.#budget = new ReportBudget(this.#now);
  }

  /** Counters since the transport was made (a copy). */
  get stats(): BroadcastChannelStats {
    return { ...this.#stats, ignoredPeers: this.#peers.ignored };
  }

  /** Peers heard from within the presence timeout. */
  get peers(): string[] {
    return this.#peers.peers;
  }

  open(sink: MessageSink): void {
    if (this.#closed) throw new ConfigurationError('this transport is closed: make a new one');
    if (this.#sink) throw new ConfigurationError('open() was already called');
    const address = sink.address;
    if (typeof address !== 'string' || address.length === 0 || address.length > MAX_ID_LENGTH)
      throw new ConfigurationError(`the node's address must be a string of 1 to ${MAX_ID_LENGTH} characters`);
    this.#sink = sink;
    this.#address = address;
    // Messages arrive on the inbox; the cluster's channel carries presence (and messages from older
    // versions of this transport, which posted everything there).
    this.#channel = this.#listen(channelName(this.cluster));
    this.#inbox = this.#listen(inboxName(this.cluster, address));
    this.#timer = platform.setInterval(this.#beacon, this.presenceIntervalMs);
    platform.addEventListener?.('pagehide', this.#onPageHide);
    platform.addEventListener?.('pageshow', this.#onPageShow);
    this.#post({ c: this.cluster, k: 'hello', f: address });
  }

  #listen(name: string): BroadcastChannelLike {
    const channel = new this.#Channel(name);
    channel.onmessage = (event) => this.#receive(event.data);
    // A frame the browser could not deserialize (rare: a SharedArrayBuffer across agent clusters).
    channel.onmessageerror = () => this.#undecodable('the frame could not be deserialized');
    return channel;
  }

  createInstance(address: string): NodeInstance {
    const sink = this.#sink;
    if (!sink) throw new ConfigurationError('open() the transport first');
    return new BroadcastChannelInstance(address, sink, this);
  }

  onPeer(listener: (address: string) => void): () => void {
    return this.#peers.onJoined(listener);
  }

  /**
   * A peer said goodbye (closed its transport, or its page was hidden for good: `pagehide`), or was not
   * heard from for `presenceTimeoutMs`. A hint for discovery, not a failure detector: it may come back
   * (and be reported by `onPeer` again), and Raft's membership changes only through the log.
   */
  onPeerGone(listener: (address: string) => void): () => void {
    return this.#peers.onGone(listener);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    platform.removeEventListener?.('pagehide', this.#onPageHide);
    platform.removeEventListener?.('pageshow', this.#onPageShow);
    if (this.#timer !== null) platform.clearInterval(this.#timer);
    if (this.#channel) {
      this.#post({ c: this.cluster, k: 'bye', f: this.#address });
      this.#channel.onmessage = null;
      this.#channel.close();
      this.#channel = null;
    }
    if (this.#inbox) {
      this.#inbox.onmessage = null;
      this.#inbox.close();
      this.#inbox = null;
    }
    for (const outbox of this.#outboxes.values()) outbox.close();
    this.#outboxes.clear();
    this.#peers.clear();
  }

  /** Sends `payload` to `to` (NodeInstance.write). */
  send(to: string, payload: unknown): void {
    if (this.#closed) return;
    const json = JSON.stringify(payload); // throws for cycles and bigints, as the contract allows
    if (json === undefined) throw new TypeError(`a ${typeof payload} is not JSON`);
    if (json.length > this.maxMessageChars) {
      this.#stats.refusedTooLarge++;
      this.#report(
        new TransportError(
          `a message of ${json.length} characters to ${to} is larger than maxMessageChars (${this.maxMessageChars}); not sent`,
          undefined,
          'TOO_LARGE',
          to,
        ),
      );
      return;
    }
    this.#stats.sent++;
    this.#post({ c: this.cluster, k: 'msg', f: this.#address, t: to, p: json }, this.#outbox(to));
  }

  /** The channel to `to`'s inbox (opened now if it is not open). */
  #outbox(to: string): BroadcastChannelLike {
    let outbox = this.#outboxes.get(to);
    if (outbox) return outbox;
    if (this.#outboxes.size >= MAX_OUTBOXES) {
      const [oldest, channel] = this.#outboxes.entries().next().value as [string, BroadcastChannelLike];
      channel.close();
      this.#outboxes.delete(oldest);
    }
    outbox = new this.#Channel(inboxName(this.cluster, to));
    this.#outboxes.set(to, outbox);
    return outbox;
  }

  #post(frame: Frame, channel: BroadcastChannelLike | null = this.#channel): void {
    try {
      channel?.postMessage(frame);
    } catch (cause) {
      this.#report(
        new TransportError(`posting on the channel failed: ${String(cause)}`, cause, 'SEND_FAILED'),
      );
    }
  }

  #receive(data: unknown): void {
    const decoded = decodeFrame(data, this.cluster, this.#address);
    switch (decoded.kind) {
      case 'not-for-me':
        this.#stats.notForMe++;
        if (decoded.from === this.#address) this.#heardOwnId('msg');
        else this.#peers.seen(decoded.from);
        return;
      case 'other-cluster':
        this.#stats.otherCluster++;
        return;
      case 'undecodable':
        this.#undecodable(decoded.reason);
        return;
    }
    const frame = decoded.frame;
    if (frame.f === this.#address) {
      this.#heardOwnId(frame.k);
      return;
    }
    if (frame.k === 'msg') {
      this.#peers.seen(frame.f);
      this.#deliver(frame);
    } else if (frame.k === 'bye') {
      this.#peers.left(frame.f);
    } else {
      this.#peers.seen(frame.f);
      // A newcomer learns who is here at once, not a presence interval later.
      if (frame.k === 'hello') this.#post({ c: this.cluster, k: 'here', f: this.#address });
    }
  }

  /**
   * A frame under this node's own id. BroadcastChannel never hands a channel object its own posts, so
   * another transport (another tab, or a spoofing script) uses this id on this cluster. Reported as
   * DUPLICATE_NODE_ID when first heard, and again if it comes back after a presence timeout of silence.
   * Both ends learn of it: the older one from the newcomer's `hello`, the newcomer from the `here` that
   * answers it.
   */
  #heardOwnId(kind: Frame['k']): void {
    this.#stats.fromSelf++;
    const now = this.#now();
    const last = this.#duplicateHeardAt;
    this.#duplicateHeardAt = now;
    if (last !== null && now - last <= this.presenceTimeoutMs) return;
    const who =
      kind === 'hello'
        ? 'another tab (or worker) just opened a transport'
        : kind === 'here'
          ? 'another tab (or worker) already has a transport open'
          : `another tab (or worker) sent a '${kind}' frame`;
    this.#report(
      new TransportError(
        `${who} as node ${JSON.stringify(this.#address)} in cluster ${JSON.stringify(this.cluster)}: two nodes with one id break Raft's safety, stop one of them`,
        undefined,
        'DUPLICATE_NODE_ID',
        this.#address,
      ),
    );
  }

  #deliver(frame: MessageFrame): void {
    const json = frame.p;
    if (json.length > this.maxMessageChars) {
      this.#stats.tooLarge++;
      this.#report(
        new TransportError(
          `a message of ${json.length} characters from ${frame.f} is larger than maxMessageChars (${this.maxMessageChars}); dropped`,
          undefined,
          'TOO_LARGE',
          frame.f,
        ),
      );
      return;
    }
    let payload: unknown;
    try {
      payload = JSON.parse(json);
    } catch (cause) {
      this.#undecodable(`the payload from ${frame.f} is not JSON`, cause, frame.f);
      return;
    }
    this.#stats.delivered++;
    // What a sink throws is its own failure: rethrown later, so one bad message cannot stop the channel.
    try {
      this.#sink?.gotData(frame.f, payload);
    } catch (error) {
      rethrowLater(error);
    }
  }

  #undecodable(reason: string, cause?: unknown, peer?: string): void {
    this.#stats.undecodable++;
    this.#report(
      new TransportError(`an undecodable frame was dropped: ${reason}`, cause, 'UNDECODABLE', peer),
    );
  }

  #report(error: TransportError): void {
    if (!this.#budget.take()) {
      this.#stats.unreported++;
      return;
    }
    try {
      this.#sink?.reportError?.(error);
    } catch (thrown) {
      rethrowLater(thrown);
    }
  }

  readonly #beacon = (): void => {
    this.#post({ c: this.cluster, k: 'here', f: this.#address });
    this.#peers.sweep(this.presenceTimeoutMs);
  };

  /** The page is going away (or into the back/forward cache): say goodbye now, peers need not wait. */
  readonly #onPageHide = (): void => {
    this.#post({ c: this.cluster, k: 'bye', f: this.#address });
  };

  /** Back from the back/forward cache: say hello again. */
  readonly #onPageShow = (event: { persisted?: boolean }): void => {
    if (event.persisted) this.#post({ c: this.cluster, k: 'hello', f: this.#address });
  };
}
