import type { TransportError } from '@webraft/core';
import type { Signal } from '@webraft/transport-websocket/protocol';

export type { Signal };

/** What a signaling channel tells the WebRTC transport. */
export interface SignalingHandlers {
  /** A signal from room member `from`, not yet validated (the transport checks it). */
  signal(from: string, signal: unknown): void;
  /** A message that came through the relay fallback (its framing already checked by the signaling). */
  relayed(from: string, payload: unknown): void;
  /** A member joined the room (or was there when this node joined). */
  peer(id: string): void;
  /** A member left the room. */
  peerGone(id: string): void;
  /** The signaling channel's own failures (a lost relay connection, an undecodable frame). */
  error(error: TransportError): void;
}

/**
 * How WebRTC peers of one room find each other and exchange offers, answers and candidates; optionally
 * a relay for the pairs that cannot connect directly. Two ship: `RelaySignaling` (through
 * `@webraft/server`) and `BroadcastChannelSignaling` (tabs of one origin). One object serves one
 * transport.
 */
export interface Signaling {
  /** Binds this signaling to `room`; the transport's constructor calls it once. */
  attach(room: string): void;
  /**
   * The largest payload (JSON characters) the relay fallback carries, after `attach`; undefined when this
   * signaling carries no messages (then a pair that cannot connect directly cannot talk).
   */
  readonly maxRelayChars: number | undefined;
  /** Joins the room as `address`. Called once, from the transport's `open`. */
  open(address: string, handlers: SignalingHandlers): void | Promise<void>;
  /** Sends `signal` to room member `to`; dropped when `to` is not there. Never throws. */
  sendSignal(to: string, signal: Signal): void;
  /** Sends a message to `to` through the relay (when `maxRelayChars` is defined). Throws TypeError for non-JSON. */
  relay?(to: string, payload: unknown): void;
  close(): void;
}
