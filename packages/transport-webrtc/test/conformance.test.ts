import wrtc from '@roamhq/wrtc';
import { runTransportTests } from '@webraft/core/testing';
import { type RelayProcess, startRelayProcess } from '@webraft/server/testing';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { WebSocket } from 'ws';
import { BroadcastChannelSignaling, createNativePeerConnection, RelaySignaling } from '../src/index.js';
import { webRtcPair } from '../src/testing.js';

// simple-peer over @roamhq/wrtc in Node, signaled through a real relay process (the CLI, as deployed),
// and below through BroadcastChannel.
let relay: RelayProcess;
beforeAll(async () => {
  relay = await startRelayProcess(['--port', '0']);
}, 30_000);
afterAll(async () => {
  await relay?.stop();
});

let rooms = 0;
runTransportTests(
  async () =>
    webRtcPair({
      room: `webrtc-conformance-${++rooms}-${process.pid}`,
      wrtc,
      signaling: () => new RelaySignaling({ url: relay.url, WebSocket }),
      garbage: [new Uint8Array([1, 2, 3])],
    }),
  { describe, it },
  { title: 'WebRtcTransport conformance (Node, @roamhq/wrtc, relay process signaling)', timeoutMs: 10_000 },
);

runTransportTests(
  async () =>
    webRtcPair({
      room: `webrtc-bc-${++rooms}-${process.pid}`,
      wrtc,
      signaling: () => new BroadcastChannelSignaling(),
    }),
  { describe, it },
  {
    title: 'WebRtcTransport conformance (Node, @roamhq/wrtc, BroadcastChannel signaling)',
    timeoutMs: 10_000,
  },
);

// The same suite on the factory without simple-peer (RTCPeerConnection directly, here @roamhq/wrtc's).
runTransportTests(
  async () =>
    webRtcPair({
      room: `webrtc-native-${++rooms}-${process.pid}`,
      wrtc,
      signaling: () => new RelaySignaling({ url: relay.url, WebSocket }),
      peerConnectionFactory: createNativePeerConnection,
    }),
  { describe, it },
  { title: 'WebRtcTransport conformance (Node, RTCPeerConnection without simple-peer)', timeoutMs: 10_000 },
);
