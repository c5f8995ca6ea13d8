import type { MessageSink } from '@webraft/core';
import {
  BroadcastChannelSignaling,
  createNativePeerConnection,
  WebRtcTransport,
} from '@webraft/transport-webrtc';

/**
 * Two WebRtcTransports in this page (signaled by BroadcastChannel) over Chromium's data channels: `n1`
 * writes `count` messages of `chars` characters at once to `n2`. The data channel `n1` created is kept
 * (a subclass of the real RTCPeerConnection: nothing is mocked) and its `bufferedAmount` read right
 * after the writes and at every message `n2` receives: the most the sender left in the channel's buffer.
 */
async function bulk(options: { native: boolean; count: number; chars: number }) {
  const channels: RTCDataChannel[] = [];
  class KeptChannelPeerConnection extends RTCPeerConnection {
    override createDataChannel(label: string, init?: RTCDataChannelInit): RTCDataChannel {
      const channel = super.createDataChannel(label, init);
      channels.push(channel);
      return channel;
    }
  }
  const wrtc = { RTCPeerConnection: KeptChannelPeerConnection, RTCSessionDescription, RTCIceCandidate };
  const room = `backpressure-${Math.random().toString(36).slice(2)}`;
  const make = () =>
    new WebRtcTransport({
      signaling: new BroadcastChannelSignaling(),
      room,
      wrtc,
      ...(options.native ? { peerConnectionFactory: createNativePeerConnection } : {}),
    });
  const a = make();
  const b = make();
  let maxBuffered = 0;
  const sample = () => {
    for (const channel of channels) maxBuffered = Math.max(maxBuffered, channel.bufferedAmount);
  };
  const received: number[] = [];
  let whole = true;
  const s = 'x'.repeat(options.chars);
  let allArrived: () => void = () => {};
  const arrived = new Promise<void>((resolve) => {
    allArrived = resolve;
  });
  const sink = (address: string, onData: (payload: unknown) => void): MessageSink => ({
    address,
    gotData: (_from, payload) => onData(payload),
  });
  await a.open(sink('n1', () => {}));
  await b.open(
    sink('n2', (payload) => {
      sample();
      const m = payload as { i: number; s: string };
      received.push(m.i);
      whole &&= m.s === s;
      if (received.length === options.count) allArrived();
    }),
  );
  await new Promise<void>((resolve) => {
    const check = () => {
      if (!(a.directPeers.includes('n2') && b.directPeers.includes('n1'))) return;
      offA();
      offB();
      resolve();
    };
    const offA = a.onDirect(check);
    const offB = b.onDirect(check);
    check();
  });
  const to = a.createInstance('n2');
  for (let i = 0; i < options.count; i++) to.write({ i, s });
  sample(); // without backpressure, everything written would be in the channel's buffer now
  await arrived;
  const result = {
    maxBuffered,
    inOrder: received.every((i, k) => i === k),
    whole,
    relayed: a.stats.relayed,
    channels: channels.length,
  };
  a.close();
  b.close();
  return result;
}

(window as unknown as { bulk: typeof bulk }).bulk = bulk;
document.body.dataset.ready = 'true';
