/**
 * `@webraft/transport-webrtc/native`: the package without simple-peer. Its `WebRtcTransport` runs on
 * `RTCPeerConnection` itself (`createNativePeerConnection`) by default, and nothing it imports needs
 * Node built-ins, so a browser bundle needs no polyfills (README, Bundlers). The main entry (index.ts)
 * is this one plus simple-peer, its default there.
 */
export {
  BroadcastChannelSignaling,
  type BroadcastChannelSignalingOptions,
} from './broadcastchannel-signaling.js';
export { CHUNK_CHARS, encodeFrames, type Reassembled, Reassembler } from './framing.js';
export { Link } from './link.js';
export {
  createNativePeerConnection,
  NATIVE_DRAIN_CHECK_MS,
  NATIVE_HIGH_WATER_BYTES,
} from './native-peer-connection.js';
export { WebRtcTransport } from './native-transport.js';
export { OUTBOX_MAX_CHARS, OUTBOX_MAX_MESSAGES, Outbox } from './outbox.js';
export type {
  PeerConnection,
  PeerConnectionEvents,
  PeerConnectionFactory,
  PeerConnectionOptions,
  WebRtcImplementation,
} from './peer-connection.js';
export { RelaySignaling, type RelaySignalingOptions } from './relay-signaling.js';
export type { Signal, Signaling, SignalingHandlers } from './signaling.js';
export type { WebRtcStats } from './stats.js';
export {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_MAX_MESSAGE_CHARS,
  DEFAULT_MAX_PEERS,
  WebRtcTransportBase,
  type WebRtcTransportOptions,
} from './transport.js';
