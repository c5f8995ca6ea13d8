export {
  BACKOFF_BASE_MS,
  BACKOFF_JITTER,
  BACKOFF_MAX_MS,
  backoffDelay,
  CONNECT_TIMEOUT_MS,
  DEAD_AFTER_MS,
  HEARTBEAT_INTERVAL_MS,
} from './backoff.js';
export {
  type ConnectionEffect,
  type ConnectionEvent,
  type ConnectionState,
  type Transition,
  transition,
} from './connection.js';
export { CloseCode, DEFAULT_MAX_FRAME_BYTES, type Signal } from './protocol.js';
export { SEND_QUEUE_MAX_CHARS, SEND_QUEUE_MAX_FRAMES, SendQueue } from './send-queue.js';
export {
  type ConnectionIO,
  type SocketConstructor,
  type SocketLike,
  WebSocketTransport,
  type WebSocketTransportOptions,
} from './transport.js';
