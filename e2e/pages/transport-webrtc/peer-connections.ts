import type { WebRtcImplementation } from '@webraft/transport-webrtc';

/**
 * The browser's own WebRTC classes, with every RTCPeerConnection the transport makes kept, so that a
 * test can close them from the page (as a crashed network stack or the browser would) and see the
 * transport heal. A subclass of the real class: nothing is mocked.
 */
export function keptPeerConnections(): {
  wrtc: WebRtcImplementation;
  all: RTCPeerConnection[];
  /** While true, new connections gather no ICE candidate at all, so none of them can connect. */
  blockIce: { on: boolean };
} {
  const all: RTCPeerConnection[] = [];
  const blockIce = { on: false };
  class KeptPeerConnection extends RTCPeerConnection {
    constructor(config?: RTCConfiguration) {
      // Relay candidates only, and no TURN server: a network that blocks every direct path.
      super(blockIce.on ? { ...config, iceTransportPolicy: 'relay' } : config);
      all.push(this);
    }
  }
  return {
    wrtc: { RTCPeerConnection: KeptPeerConnection, RTCSessionDescription, RTCIceCandidate },
    all,
    blockIce,
  };
}
