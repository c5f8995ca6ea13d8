/**
 * `@webraft/transport-webrtc`: everything of the `native` entry (native.ts), with simple-peer as
 * `WebRtcTransport`'s default peer connections. This module's own `WebRtcTransport` export takes
 * precedence over the one `export *` brings (ECMAScript: a module's local exports shadow star exports).
 */
export * from './native.js';
export {
  createSimplePeerConnection,
  SIMPLE_PEER_MAX_BUFFERED_BYTES,
} from './peer-connection.js';
export { WebRtcTransport } from './simple-peer-transport.js';
