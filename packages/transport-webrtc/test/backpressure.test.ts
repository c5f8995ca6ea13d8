import { waitFor } from '@webraft/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BroadcastChannelSignaling,
  CHUNK_CHARS,
  createNativePeerConnection,
  createSimplePeerConnection,
  NATIVE_HIGH_WATER_BYTES,
  type PeerConnectionFactory,
  SIMPLE_PEER_MAX_BUFFERED_BYTES,
  WebRtcTransport,
} from '../src/index.js';
import { bufferedAmountWrtc, Recorder } from './helpers.js';

const open: WebRtcTransport[] = [];
afterEach(() => {
  for (const t of open.splice(0)) t.close();
});

/** A frame of ASCII JSON: its characters and one of framing, a byte each. */
const FRAME_BYTES = CHUNK_CHARS + 1;
const factories: [string, PeerConnectionFactory, number][] = [
  // simple-peer: straight onto the channel up to 64 KiB, then one frame through its stream, which waits.
  ['simple-peer', createSimplePeerConnection, SIMPLE_PEER_MAX_BUFFERED_BYTES + 2 * FRAME_BYTES],
  ['RTCPeerConnection', createNativePeerConnection, NATIVE_HIGH_WATER_BYTES + FRAME_BYTES],
];

let rooms = 0;
describe('WebRtcTransport: the data channel buffer is bounded (Node, @roamhq/wrtc)', () => {
  for (const [name, factory, bound] of factories)
    it(`${name}: 12 MiB written at once waits in the outbox, never more than ${bound} bytes in the channel`, async () => {
      const room = `backpressure-${++rooms}-${process.pid}`;
      const { wrtc, maxBuffered } = bufferedAmountWrtc();
      const make = (address: string) => {
        const transport = new WebRtcTransport({
          room,
          signaling: new BroadcastChannelSignaling(),
          wrtc,
          peerConnectionFactory: factory,
        });
        open.push(transport);
        const sink = new Recorder(address);
        transport.open(sink);
        return { transport, sink };
      };
      const a = make('n1'); // the initiator: its channel is the one created and watched
      const b = make('n2');
      await waitFor(() => a.transport.directPeers.includes('n2'), 10_000, 'a direct channel');
      await waitFor(() => b.transport.directPeers.includes('n1'), 5000, 'the answerer to see it');
      const to = a.transport.createInstance('n2');
      // 12 MiB: on loopback @roamhq/wrtc drains its first few MiB so fast that `bufferedAmount` often
      // reads 0 throughout a 4 MiB burst; 12 MiB reliably fills the channel to the mark.
      const count = 48;
      const s = 'x'.repeat(256 * 1024);
      for (let i = 0; i < count; i++) to.write({ t: 'bulk', i, s });
      // Written synchronously: without backpressure all 12 MiB would sit in the channel's buffer now.
      expect(maxBuffered()).toBeLessThanOrEqual(bound);
      await waitFor(() => b.sink.tagged('bulk').length === count, 30_000, 'every message');
      const got = b.sink.tagged('bulk') as { i: number; s: string }[];
      expect(got.map((m) => m.i)).toEqual([...Array(count).keys()]);
      expect(got.every((m) => m.s === s)).toBe(true);
      expect(maxBuffered()).toBeLessThanOrEqual(bound);
      // How full the channel's buffer gets is not asserted: @roamhq/wrtc drains at varying speed on
      // loopback (CI runs read 196,647 bytes, and 0 throughout, against a bound of 1,064,961). The bound
      // is also checked against Chromium's own bufferedAmount in e2e/transport-webrtc.spec.ts.
      expect(a.transport.stats.relayed).toBe(0);
      expect(a.transport.stats.overflowed).toBe(0);
    });
});
