import { ConfigurationError, TransportError } from '@webraft/core';
import {
  BroadcastChannelTransport,
  type BroadcastChannelTransportOptions,
} from '@webraft/transport-broadcastchannel';
import type { Signal, Signaling, SignalingHandlers } from './signaling.js';

export type BroadcastChannelSignalingOptions = Omit<BroadcastChannelTransportOptions, 'cluster'>;

/** Envelopes on the BroadcastChannel: a signal, or a message of the relay fallback. */
type Envelope = { s: unknown } | { m: unknown };

/**
 * Signaling between tabs and workers of one origin over a `BroadcastChannelTransport` (its presence is
 * the room's membership). Each payload is an envelope: `{ s: signal }` or `{ m: message }`, the latter
 * being the fallback for pairs that cannot connect directly.
 */
export class BroadcastChannelSignaling implements Signaling {
  readonly #options: BroadcastChannelSignalingOptions;
  #channel: BroadcastChannelTransport | null = null;

  constructor(options: BroadcastChannelSignalingOptions = {}) {
    this.#options = options;
  }

  get maxRelayChars(): number | undefined {
    // The envelope `{"m":...}` takes 6 characters of the channel's maximum.
    return this.#channel ? this.#channel.maxMessageChars - 6 : undefined;
  }

  attach(room: string): void {
    if (this.#channel) throw new ConfigurationError('a BroadcastChannelSignaling serves one transport');
    this.#channel = new BroadcastChannelTransport({ ...this.#options, cluster: room });
  }

  open(address: string, handlers: SignalingHandlers): void {
    const channel = this.#channel;
    if (!channel) throw new ConfigurationError('this signaling is not attached to a transport yet');
    channel.onPeer(handlers.peer);
    channel.onPeerGone(handlers.peerGone);
    channel.open({
      address,
      gotData: (from, payload) => {
        const envelope = payload as Envelope | null;
        if (typeof envelope === 'object' && envelope !== null && !Array.isArray(envelope)) {
          if ('s' in envelope && Object.keys(envelope).length === 1) return handlers.signal(from, envelope.s);
          if ('m' in envelope && Object.keys(envelope).length === 1)
            return handlers.relayed(from, envelope.m);
        }
        handlers.error(
          new TransportError(
            `a signaling message from ${from} is neither a signal nor a relayed message; dropped`,
            undefined,
            'UNDECODABLE',
            from,
          ),
        );
      },
      reportError: handlers.error,
    });
  }

  sendSignal(to: string, signal: Signal): void {
    this.#channel?.send(to, { s: signal });
  }

  relay(to: string, payload: unknown): void {
    this.#channel?.send(to, { m: payload });
  }

  close(): void {
    this.#channel?.close();
  }
}
