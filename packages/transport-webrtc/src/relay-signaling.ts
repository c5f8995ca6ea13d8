import { ConfigurationError } from '@webraft/core';
import {
  type SocketConstructor,
  WebSocketTransport,
  type WebSocketTransportOptions,
} from '@webraft/transport-websocket';
import type { Signal, Signaling, SignalingHandlers } from './signaling.js';

export type RelaySignalingOptions = Omit<WebSocketTransportOptions, 'room'> & {
  WebSocket?: SocketConstructor;
};

/**
 * Signaling through `@webraft/server`: a `WebSocketTransport` to the room carries the signals (`signal`
 * frames, which the relay checks and forwards between members of one room) and is also the fallback
 * for pairs that cannot connect directly. Room membership is the relay's (`welcome`, `joined`, `left`).
 */
export class RelaySignaling implements Signaling {
  readonly #options: RelaySignalingOptions;
  #connection: WebSocketTransport | null = null;

  constructor(options: RelaySignalingOptions) {
    this.#options = options;
  }

  /** The WebSocket connection to the relay (after `attach`): its `state`, `onStateChange`. */
  get connection(): WebSocketTransport {
    if (!this.#connection) throw new ConfigurationError('this signaling is not attached to a transport yet');
    return this.#connection;
  }

  get maxRelayChars(): number | undefined {
    return this.#connection?.maxMessageChars;
  }

  attach(room: string): void {
    if (this.#connection) throw new ConfigurationError('a RelaySignaling serves one transport');
    this.#connection = new WebSocketTransport({ ...this.#options, room });
  }

  open(address: string, handlers: SignalingHandlers): void {
    const connection = this.connection;
    connection.onSignal(handlers.signal);
    connection.onPeer(handlers.peer);
    connection.onPeerGone(handlers.peerGone);
    connection.open({ address, gotData: handlers.relayed, reportError: handlers.error });
  }

  sendSignal(to: string, signal: Signal): void {
    this.#connection?.sendSignal(to, signal);
  }

  relay(to: string, payload: unknown): void {
    this.#connection?.send(to, payload);
  }

  close(): void {
    this.#connection?.close();
  }
}
