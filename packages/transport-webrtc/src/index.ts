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
export { OUTBOX_MAX_CHARS, OUTBOX_MAX_MESSAGES, Outbox } from './outbox.js';
export {
  createSimplePeerConnection,
  type PeerConnection,
  type PeerConnectionEvents,
  type PeerConnectionFactory,
  type PeerConnectionOptions,
  SIMPLE_PEER_MAX_BUFFERED_BYTES,
  type WebRtcImplementation,
} from './peer-connection.js';
export { RelaySignaling, type RelaySignalingOptions } from './relay-signaling.js';
export type { Signal, Signaling, SignalingHandlers } from './signaling.js';
export type { WebRtcStats } from './stats.js';
export {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_MAX_MESSAGE_CHARS,
  DEFAULT_MAX_PEERS,
  WebRtcTransport,
  type WebRtcTransportOptions,
} from './transport.js';
