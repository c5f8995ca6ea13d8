import { waitFor } from '@webraft/core/testing';
import { type RelayServer, startRelayServer } from '@webraft/server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { RelaySignaling, WebRtcTransport, type WebRtcTransportOptions } from '../src/index.js';
import { blockableIce, Recorder, recordedWrtc } from './helpers.js';

let relay: RelayServer;
beforeAll(async () => {
  relay = await startRelayServer({ port: 0 });
});
afterAll(async () => {
  await relay?.close();
});
const open: WebRtcTransport[] = [];
afterEach(() => {
  for (const t of open.splice(0)) t.close();
});

let rooms = 0;
function node(address: string, room: string, options: Partial<WebRtcTransportOptions>) {
  const transport = new WebRtcTransport({
    room,
    signaling: new RelaySignaling({ url: relay.url, WebSocket }),
    ...options,
  });
  open.push(transport);
  const sink = new Recorder(address);
  transport.open(sink);
  return { transport, sink, to: (peer: string) => transport.createInstance(peer) };
}

describe('WebRtcTransport: relay fallback and healing (Node, @roamhq/wrtc)', () => {
  it('a pair whose ICE cannot connect talks through the relay, then upgrades to a direct channel', async () => {
    const room = `fallback-${++rooms}-${process.pid}`;
    let blocked = true;
    const { wrtc } = recordedWrtc();
    const options = { wrtc, connectTimeoutMs: 300, peerConnectionFactory: blockableIce(() => blocked) };
    const a = node('n1', room, options);
    const b = node('n2', room, options);
    await waitFor(() => a.transport.peers.includes('n2'), 5000, 'a to see n2 in the room');
    // It waits in the outbox for the first attempt, which times out: then it goes through the relay.
    a.to('n2').write({ t: 'early' });
    await waitFor(() => b.sink.tagged('early').length === 1, 5000, 'the early message through the relay');
    expect(a.transport.link('n2')?.relayed).toBe(true);
    expect(a.transport.directPeers).toEqual([]);
    expect(a.transport.stats.relayed).toBeGreaterThan(0);
    expect(a.sink.errors.some((e) => e.code === 'CONNECTION' && e.peer === 'n2')).toBe(true);
    // Both directions work through the relay.
    b.to('n1').write({ t: 'back' });
    await waitFor(() => a.sink.tagged('back').length === 1, 5000, 'an answer through the relay');

    blocked = false;
    await waitFor(() => a.transport.directPeers.includes('n2'), 10_000, 'the upgrade to a direct channel');
    await waitFor(() => b.transport.directPeers.includes('n1'), 5000, 'the answerer to see the channel');
    const deliveredBefore = b.transport.stats.delivered;
    a.to('n2').write({ t: 'direct' });
    await waitFor(() => b.sink.tagged('direct').length === 1, 5000, 'a message on the direct channel');
    expect(b.transport.stats.delivered).toBe(deliveredBefore + 1);
  });

  it('closing one side’s RTCPeerConnections under the transport: the channel is replaced', async () => {
    const room = `heal-${++rooms}-${process.pid}`;
    const aw = recordedWrtc();
    const bw = recordedWrtc();
    const a = node('n1', room, { wrtc: aw.wrtc });
    const b = node('n2', room, { wrtc: bw.wrtc });
    await waitFor(() => a.transport.directPeers.includes('n2'), 5000, 'a direct channel');
    await waitFor(() => b.transport.directPeers.includes('n1'), 5000, 'a direct channel at b');
    const openedBefore = a.transport.stats.opened;
    for (const pc of bw.connections) pc.close();
    // Messages written meanwhile arrive (relay fallback while the channel is re-made).
    let n = 0;
    await waitFor(
      () => {
        a.to('n2').write({ t: 'during', n: n++ });
        return a.transport.stats.opened > openedBefore && b.sink.tagged('during').length > 0;
      },
      10_000,
      'a new direct channel',
    );
    await waitFor(() => b.transport.directPeers.includes('n1'), 5000, 'b on the new channel');
    b.to('n1').write({ t: 'healed' });
    await waitFor(() => a.sink.tagged('healed').length === 1, 5000, 'a message on the new channel');
    expect(a.transport.stats.lost + b.transport.stats.lost).toBeGreaterThan(0);
  });

  it('maxPeers caps the direct channels; the other members are reached through the relay', async () => {
    const room = `cap-${++rooms}-${process.pid}`;
    const { wrtc } = recordedWrtc();
    const a = node('n1', room, { wrtc, maxPeers: 1 });
    const b = node('n2', room, { wrtc });
    await waitFor(() => a.transport.directPeers.length === 1, 5000, 'n1 to open its one channel');
    const c = node('n3', room, { wrtc });
    await waitFor(() => b.transport.directPeers.includes('n3'), 5000, 'n2 and n3 on a channel');
    await waitFor(() => a.transport.peers.includes('n3'), 5000, 'n1 to see n3');
    expect(a.transport.directPeers).toEqual(['n2']);
    a.to('n3').write({ t: 'capped' });
    c.to('n1').write({ t: 'capped-back' });
    await waitFor(() => c.sink.tagged('capped').length === 1, 5000, 'n1 -> n3 through the relay');
    await waitFor(() => a.sink.tagged('capped-back').length === 1, 5000, 'n3 -> n1 through the relay');
    expect(a.transport.link('n3')).toBeUndefined();
    // n2 leaves: its slot goes to n3.
    b.transport.close();
    await waitFor(() => a.transport.directPeers.includes('n3'), 10_000, 'n1 to give the free slot to n3');
  });

  it('a large message written before the channel opens arrives whole (sent after the answerer’s hello)', async () => {
    const room = `early-large-${++rooms}-${process.pid}`;
    const { wrtc } = recordedWrtc();
    const a = node('n1', room, { wrtc });
    const b = node('n2', room, { wrtc });
    await waitFor(() => a.transport.peers.includes('n2'), 5000, 'n1 to see n2');
    expect(a.transport.directPeers).toEqual([]);
    const s = 'x'.repeat(1_000_000);
    a.to('n2').write({ t: 'early-large', s });
    await waitFor(() => b.sink.tagged('early-large').length === 1, 10_000, 'the large message').catch((e) => {
      console.log(
        JSON.stringify(a.transport.stats),
        JSON.stringify(b.transport.stats),
        b.sink.errors.map(String),
      );
      throw e;
    });
    expect((b.sink.tagged('early-large')[0] as { s: string }).s === s).toBe(true);
    expect(a.transport.stats.relayed).toBe(0);
    expect(b.transport.stats.undecodable).toBe(0);
  });
});
