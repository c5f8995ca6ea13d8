import type { WebRtcImplementation } from '@webraft/transport-webrtc';

/**
 * The browser's own WebRTC classes, with every RTCPeerConnection the transport makes kept, so that a
 * test can close them from the page (as a crashed network stack or the browser would) and see the
 * transport heal. A subclass of the real class: nothing is mocked.
 */
export function keptPeerConnections(): { wrtc: WebRtcImplementation; all: RTCPeerConnection[] } {
  const all: RTCPeerConnection[] = [];
  class KeptPeerConnection extends RTCPeerConnection {
    constructor(config?: RTCConfiguration) {
      super(config);
      all.push(this);
    }
  }
  return { wrtc: { RTCPeerConnection: KeptPeerConnection, RTCSessionDescription, RTCIceCandidate }, all };
}
