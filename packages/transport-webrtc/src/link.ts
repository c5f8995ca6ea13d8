import type { TransportErrorCode } from '@webraft/core';
import { backoffDelay } from '@webraft/transport-websocket';
import type { Signal } from '@webraft/transport-websocket/protocol';
import { HELLO_FRAME, Reassembler } from './framing.js';
import { type FrameSink, Outbox } from './outbox.js';
import type { PeerConnection, PeerConnectionEvents } from './peer-connection.js';
import type { WebRtcStats } from './stats.js';

/** What a link needs from its transport. */
export interface LinkContext {
  /** Makes a connection (the transport's PeerConnectionFactory with its ICE servers). */
  connect(initiator: boolean, events: PeerConnectionEvents): PeerConnection;
  sendSignal(to: string, signal: Signal): void;
  /** Sends through the relay fallback; null when the signaling carries no messages. */
  relay: ((to: string, payload: unknown) => void) | null;
  deliver(from: string, payload: unknown): void;
  report(code: TransportErrorCode, message: string, peer: string): void;
  /** A link's channel opened or closed (for `onDirect` listeners). */
  changed(peer: string, direct: boolean): void;
  readonly stats: WebRtcStats;
  readonly connectTimeoutMs: number;
  readonly maxMessageChars: number;
  readonly random: () => number;
}

/** The outbox's writer: a link's current connection, counting frames. One per link, not one per flush. */
class ConnectionSink implements FrameSink {
  pc: PeerConnection | null = null;
  constructor(private readonly stats: WebRtcStats) {}
  get writable(): boolean {
    return this.pc?.writable === true;
  }
  send(frame: string): void {
    this.stats.framesSent++;
    this.pc?.send(frame);
  }
}

/**
 * The pair (this node, `peer`): one data channel, replaced when it closes or fails.
 *
 * Glare rule: the node whose id is lower (JavaScript string order) is the initiator: it sends every
 * offer, the other side only answers. Both offering at once cannot happen; an offer from the higher id
 * is dropped and counted. The initiator retries a failed or closed channel with capped, jittered
 * backoff (`backoffDelay` of @webraft/transport-websocket: 250 ms doubling to 5 s); the answerer, when
 * its channel closes, asks for a new offer with a `renegotiate` signal.
 *
 * Sending: on the open channel through the outbox (chunked, bounded, paced by the channel's buffer).
 * Before the first channel opens, the initiator's messages wait in the outbox; the answerer's go
 * through the relay. A pair that has not connected within `connectTimeoutMs`, or whose channel closed,
 * is in fallback: messages go through the relay until a channel opens again, while the initiator keeps
 * trying to upgrade.
 */
export class Link {
  readonly initiator: boolean;
  readonly #outbox = new Outbox();
  readonly #sink: ConnectionSink;
  #pc: PeerConnection | null = null;
  #reassembler: Reassembler;
  #fallback = false;
  #attempt = 0;
  #retryTimer: ReturnType<typeof setTimeout> | null = null;
  #connectTimer: ReturnType<typeof setTimeout> | null = null;
  #overflowReported = false;
  #closed = false;
  /** The current connection's channel opened and the peer said hello (it may have closed since). */
  #wasOpen = false;
  /** This side's channel opened / the peer's hello arrived, on the current connection. */
  #localOpen = false;
  #peerHello = false;

  constructor(
    readonly self: string,
    readonly peer: string,
    private readonly ctx: LinkContext,
  ) {
    this.initiator = self < peer;
    this.#sink = new ConnectionSink(ctx.stats);
    this.#reassembler = new Reassembler(ctx.maxMessageChars);
  }

  /** Whether messages now travel on a direct data channel (open here, and the peer said hello). */
  get direct(): boolean {
    return this.#wasOpen && this.#pc?.open === true;
  }

  /** Whether messages now travel through the relay. */
  get relayed(): boolean {
    return !this.direct && this.#fallback && this.ctx.relay !== null;
  }

  /** The open channel's connection, for tests that write raw frames on it. */
  get connection(): PeerConnection | null {
    return this.direct ? this.#pc : null;
  }

  start(): void {
    if (this.initiator) this.#connect();
    // The answerer cannot know whether an offer will come (the other side may have no free slot under
    // its maxPeers): until its first channel opens it sends through the relay, when there is one.
    else this.#fallback = this.ctx.relay !== null;
  }

  send(json: string, payload: unknown): void {
    if (this.#closed) return;
    // A channel closed without an event (its RTCPeerConnection closed under it): found out here.
    if (this.#wasOpen && !this.#pc?.open) this.#failed('the channel is no longer open');
    if (!this.direct && this.#fallback && this.ctx.relay) {
      this.ctx.stats.relayed++;
      this.ctx.relay(this.peer, payload);
      return;
    }
    const dropped = this.#outbox.push(json);
    if (dropped > 0) {
      this.ctx.stats.overflowed += dropped;
      if (!this.#overflowReported)
        this.ctx.report(
          'OVERFLOW',
          `the send queue to ${this.peer} is full; the oldest ${dropped} message(s) were dropped (further drops are reported once it drains)`,
          this.peer,
        );
      this.#overflowReported = true;
    }
    this.#flush();
  }

  signal(signal: Signal): void {
    if (this.#closed) return;
    switch (signal.type) {
      case 'offer':
        if (this.initiator) {
          this.ctx.stats.unexpectedOffers++;
          return;
        }
        // Every offer starts a new connection: the initiator made a new one.
        this.#replace(this.#open(false));
        this.#pc?.signal(signal);
        this.#armConnectTimer();
        return;
      case 'renegotiate':
        // The answerer lost its channel. Start over if ours still looks open; otherwise a retry is on its way.
        if (this.initiator && this.direct) this.#failed('the peer lost the channel');
        return;
      default:
        if (!this.#pc) {
          this.ctx.stats.strandedSignals++;
          return;
        }
        this.#pc.signal(signal);
    }
  }

  close(): void {
    this.#closed = true;
    this.#clearTimers();
    this.#replace(null);
    this.#outbox.clear();
  }

  #connect(): void {
    this.#retryTimer = null;
    if (this.#closed) return;
    this.ctx.stats.attempts++;
    this.#replace(this.#open(true));
    this.#armConnectTimer();
  }

  #open(initiator: boolean): PeerConnection {
    let pc: PeerConnection | null = null;
    const current = () => pc !== null && pc === this.#pc;
    pc = this.ctx.connect(initiator, {
      signal: (signal) => {
        if (current()) this.ctx.sendSignal(this.peer, signal);
      },
      open: () => {
        if (!current()) return;
        this.#localOpen = true;
        pc?.send(HELLO_FRAME);
        if (this.#peerHello) this.#opened();
      },
      data: (frame) => {
        if (current()) this.#receive(frame);
      },
      writable: () => {
        if (current()) this.#flush();
      },
      closed: (reason) => {
        if (current()) this.#failed(reason);
      },
    });
    return pc;
  }

  #replace(pc: PeerConnection | null): void {
    const old = this.#pc;
    this.#pc = pc;
    this.#wasOpen = this.#localOpen = this.#peerHello = false;
    // A new connection starts with no partial message. Not on `open`: the other side may see its
    // channel open first and send at once, so frames can arrive before this side's `open` event.
    this.#reassembler = new Reassembler(this.ctx.maxMessageChars);
    old?.destroy();
  }

  #opened(): void {
    this.#clearTimers();
    this.#wasOpen = true;
    this.#attempt = 0;
    this.#fallback = false;
    this.#overflowReported = false;
    this.#outbox.abandonPartial();
    this.ctx.stats.opened++;
    this.ctx.changed(this.peer, true);
    this.#flush();
  }

  #failed(reason: string): void {
    const wasDirect = this.#wasOpen;
    this.#replace(null);
    if (this.#connectTimer !== null) clearTimeout(this.#connectTimer);
    this.#connectTimer = null;
    if (wasDirect) {
      this.ctx.stats.lost++;
      this.ctx.changed(this.peer, false);
      if (this.#closed) return; // the peer had left the room: the transport dropped this link
    } else this.ctx.stats.failed++;
    this.#fallBack(
      `the direct channel to ${this.peer} ${wasDirect ? 'closed' : 'could not connect'} (${reason})`,
    );
    if (this.initiator) {
      if (this.#retryTimer === null)
        this.#retryTimer = setTimeout(() => this.#connect(), backoffDelay(this.#attempt++, this.ctx.random));
    } else if (wasDirect) this.ctx.sendSignal(this.peer, { type: 'renegotiate' });
  }

  /** From now until a channel opens, messages go through the relay; what waited goes there now. */
  #fallBack(why: string): void {
    if (this.#fallback) return;
    this.#fallback = true;
    const relay = this.ctx.relay;
    this.ctx.report(
      'CONNECTION',
      relay ? `${why}; messages go through the relay until it is back` : `${why}; retrying`,
      this.peer,
    );
    if (!relay) return;
    for (const json of this.#outbox.drain()) {
      this.ctx.stats.relayed++;
      relay(this.peer, JSON.parse(json));
    }
  }

  #armConnectTimer(): void {
    if (this.#connectTimer !== null) clearTimeout(this.#connectTimer);
    this.#connectTimer = setTimeout(() => {
      this.#connectTimer = null;
      if (!this.direct) this.#failed(`no connection within ${this.ctx.connectTimeoutMs} ms`);
    }, this.ctx.connectTimeoutMs);
  }

  #clearTimers(): void {
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    if (this.#connectTimer !== null) clearTimeout(this.#connectTimer);
    this.#retryTimer = this.#connectTimer = null;
  }

  #flush(): void {
    const pc = this.#pc;
    if (!pc || !this.direct) return;
    this.#sink.pc = pc;
    this.#outbox.flush(this.#sink);
    if (this.#outbox.length === 0) this.#overflowReported = false;
  }

  #receive(frame: unknown): void {
    this.ctx.stats.framesReceived++;
    const result = this.#reassembler.push(frame);
    switch (result.kind) {
      case 'hello':
        if (this.#peerHello) return;
        this.#peerHello = true;
        if (this.#localOpen) this.#opened();
        return;
      case 'message':
        this.ctx.stats.delivered++;
        this.ctx.deliver(this.peer, result.payload);
        return;
      case 'undecodable':
        this.ctx.stats.undecodable++;
        this.ctx.report('UNDECODABLE', `a frame from ${this.peer} was dropped: ${result.reason}`, this.peer);
        return;
      case 'too-large':
        this.ctx.stats.tooLarge++;
        this.ctx.report(
          'TOO_LARGE',
          `a message of ${result.chars}+ characters from ${this.peer} is larger than maxMessageChars (${this.ctx.maxMessageChars}); dropped`,
          this.peer,
        );
        return;
      case 'partial':
      case 'skipped':
        return;
    }
  }
}
