import { createSimplePeerConnection } from './peer-connection.js';
import { WebRtcTransportBase, type WebRtcTransportOptions } from './transport.js';

/**
 * The package's `WebRtcTransport` (transport.ts): its peer connections are simple-peer's
 * (`createSimplePeerConnection`) unless `peerConnectionFactory` names another.
 */
export class WebRtcTransport extends WebRtcTransportBase {
  constructor(options: WebRtcTransportOptions) {
    super(options, createSimplePeerConnection);
  }
}
