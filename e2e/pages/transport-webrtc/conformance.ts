import { runTransportTests } from '@webraft/core/testing';
import {
  BroadcastChannelSignaling,
  createNativePeerConnection,
  RelaySignaling,
} from '@webraft/transport-webrtc';
import { webRtcPair } from '@webraft/transport-webrtc/testing';
import { runSuite } from '../run-suite.js';

/**
 * Runs the suite on two WebRtcTransports in this page, over Chromium's data channels, signaled by the
 * relay at `url` (null: by BroadcastChannel); `native`: on RTCPeerConnection directly instead of simple-peer.
 */
function runConformance(url: string | null, native = false) {
  return runSuite((harness) =>
    runTransportTests(
      async () =>
        webRtcPair({
          room: `chromium-webrtc-${Math.random().toString(36).slice(2)}`,
          signaling: () => (url === null ? new BroadcastChannelSignaling() : new RelaySignaling({ url })),
          garbage: [new Uint8Array([1, 2, 3])],
          ...(native ? { peerConnectionFactory: createNativePeerConnection } : {}),
        }),
      harness,
      {
        title: `WebRtcTransport conformance (Chromium, ${url === null ? 'BroadcastChannel' : 'relay'} signaling, ${native ? 'RTCPeerConnection' : 'simple-peer'})`,
        timeoutMs: 10_000,
      },
    ),
  );
}

(window as unknown as { runConformance: typeof runConformance }).runConformance = runConformance;
document.body.dataset.ready = 'true';
