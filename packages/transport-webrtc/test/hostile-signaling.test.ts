import wrtc from '@roamhq/wrtc';
import { waitFor } from '@webraft/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { Signal, Signaling, SignalingHandlers } from '../src/index.js';
import { WebRtcTransport } from '../src/index.js';
import { Recorder } from './helpers.js';

/**
 * A signaling channel the test speaks for: it says who is in the room and hands the transport whatever
 * signals the test makes up, as a hostile or broken room member would.
 */
class ScriptedSignaling implements Signaling {
  handlers: SignalingHandlers | null = null;
  readonly sent: { to: string; signal: Signal }[] = [];
  readonly maxRelayChars = undefined;
  attach(): void {}
  open(_address: string, handlers: SignalingHandlers): void {
    this.handlers = handlers;
  }
  sendSignal(to: string, signal: Signal): void {
    this.sent.push({ to, signal });
  }
  close(): void {}
}

const transports: WebRtcTransport[] = [];
afterEach(() => {
  for (const t of transports.splice(0)) t.close();
});

function scripted(address: string) {
  const signaling = new ScriptedSignaling();
  const transport = new WebRtcTransport({ signaling, room: 'hostile', wrtc });
  transports.push(transport);
  const sink = new Recorder(address);
  transport.open(sink);
  return { signaling, transport, sink, handlers: signaling.handlers as SignalingHandlers };
}

const MALFORMED: unknown[] = [
  null,
  'offer',
  [],
  { type: 'offer' },
  { type: 'offer', sdp: 1 },
  { type: 'offer', sdp: 'x'.repeat(64 * 1024 + 1) },
  { type: 'answer', sdp: 'v=0', extra: true },
  { type: 'candidate', candidate: 'not an object' },
  { type: 'candidate', candidate: { candidate: 'c', sdpMLineIndex: -1 } },
  { type: 'renegotiate', now: true },
  { type: 'pranswer', sdp: '' },
];

describe('WebRtcTransport: hostile signaling', () => {
  it('malformed signals are refused, counted and reported; they make no connection', () => {
    const { transport, sink, handlers } = scripted('n2');
    handlers.peer('n1');
    for (const signal of MALFORMED) handlers.signal('n1', signal);
    expect(transport.stats.badSignals).toBe(MALFORMED.length);
    expect(sink.errors.filter((e) => e.code === 'UNDECODABLE' && e.peer === 'n1').length).toBe(
      MALFORMED.length,
    );
    expect(transport.stats.attempts).toBe(0);
    expect(sink.received).toEqual([]);
  });

  it('signals from nodes that are not room members are dropped and counted', () => {
    const { transport, signaling, sink, handlers } = scripted('n2');
    handlers.signal('stranger', { type: 'offer', sdp: 'v=0\r\n' });
    handlers.signal('stranger', { type: 'candidate', candidate: { candidate: '' } });
    expect(transport.stats.unknownPeerSignals).toBe(2);
    expect(signaling.sent).toEqual([]); // no answer
    expect(transport.peers).toEqual([]);
    expect(sink.errors).toEqual([]);
  });

  it('the glare rule: an offer from the higher id is dropped; answers and candidates for no connection too', async () => {
    const { transport, handlers } = scripted('n2');
    handlers.peer('n3'); // n2 < n3: n2 initiates, n3 only answers
    await waitFor(() => transport.stats.attempts === 1, 2000, 'n2 to start its own attempt');
    handlers.signal('n3', { type: 'offer', sdp: 'v=0\r\n' });
    expect(transport.stats.unexpectedOffers).toBe(1);
    handlers.peer('n1'); // n1 < n2: n2 waits for n1's offer
    handlers.signal('n1', { type: 'answer', sdp: 'v=0\r\n' });
    handlers.signal('n1', { type: 'candidate', candidate: { candidate: '' } });
    expect(transport.stats.strandedSignals).toBe(2);
  });

  it('a garbage offer from a member fails that attempt only; a real one still connects', async () => {
    const { transport, signaling, sink, handlers } = scripted('n2');
    handlers.peer('n1');
    handlers.signal('n1', { type: 'offer', sdp: 'this is not SDP' });
    await waitFor(() => transport.stats.failed === 1, 5000, 'the garbage offer to fail its connection');
    expect(sink.errors.some((e) => e.code === 'CONNECTION' && e.peer === 'n1')).toBe(true);
    // A real initiator now: its offer and candidates through the scripted channels, and back.
    const peerSink = new Recorder('n1');
    const n1Signaling = new ScriptedSignaling();
    const n1 = new WebRtcTransport({ signaling: n1Signaling, room: 'hostile', wrtc });
    transports.push(n1);
    n1.open(peerSink);
    const forward = () => {
      for (const { signal } of n1Signaling.sent.splice(0)) handlers.signal('n1', signal);
      for (const { signal } of signaling.sent.splice(0)) n1Signaling.handlers?.signal('n2', signal);
    };
    n1Signaling.handlers?.peer('n2');
    await waitFor(
      () => {
        forward();
        return transport.directPeers.includes('n1') && n1.directPeers.includes('n2');
      },
      10_000,
      'a direct channel after the garbage',
    );
    n1.createInstance('n2').write({ t: 'hello' });
    await waitFor(() => sink.tagged('hello').length === 1, 5000, 'a message on it');
  });
});
