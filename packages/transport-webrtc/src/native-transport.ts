import { createNativePeerConnection } from './native-peer-connection.js';
import { WebRtcTransportBase, type WebRtcTransportOptions } from './transport.js';

/**
 * The `native` entry's `WebRtcTransport` (transport.ts): its peer connections are `RTCPeerConnection`
 * itself (`createNativePeerConnection`) unless `peerConnectionFactory` names another. Nothing here
 * imports simple-peer, so a browser bundle needs no Node polyfills.
 */
export class WebRtcTransport extends WebRtcTransportBase {
  constructor(options: WebRtcTransportOptions) {
    super(options, createNativePeerConnection);
  }
}
