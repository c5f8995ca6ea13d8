import wrtc from '@roamhq/wrtc';
import { waitFor } from '@webraft/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { BroadcastChannelSignaling, encodeFrames, type WebRtcTransport } from '../src/index.js';
import { REFUSED_FRAMES, webRtcPair } from '../src/testing.js';
import { Recorder } from './helpers.js';

let pair: { close(): Promise<void> } | null = null;
afterEach(async () => {
  await pair?.close();
  pair = null;
});

type Wire = { inject(to: 'a' | 'b', frame: unknown): Promise<boolean> };

describe('WebRtcTransport: hostile data channel frames (Node, @roamhq/wrtc)', () => {
  it('garbage and oversized frames are dropped and counted; nothing reaches the node, which goes on', async () => {
    const p = webRtcPair({
      room: `hostile-frames-${process.pid}`,
      wrtc,
      signaling: () => new BroadcastChannelSignaling(),
      maxMessageChars: 1000,
    });
    pair = p;
    const a = p.a as WebRtcTransport;
    const b = p.b as WebRtcTransport;
    const sinkA = new Recorder(p.aAddress);
    const sinkB = new Recorder(p.bAddress);
    await a.open(sinkA);
    await b.open(sinkB);
    const wire = p.wire as Wire;
    const garbage: unknown[] = [...REFUSED_FRAMES, new Uint8Array([1, 2, 3])];
    for (const frame of garbage) expect(await wire.inject('b', frame)).toBe(true);
    // A message of 5,000 characters in parts, against a limit of 1,000: refused once, its parts dropped.
    expect(await wire.inject('b', encodeFrames(JSON.stringify({ s: 'x'.repeat(5000) }), 800))).toBe(true);
    a.createInstance(p.bAddress).write({ t: 'after' });
    await waitFor(() => sinkB.tagged('after').length === 1, 10_000, 'a valid message after the garbage');
    expect(sinkB.received.map((r) => r.payload)).toEqual([{ t: 'after' }]);
    expect(b.stats.undecodable).toBe(garbage.length);
    expect(b.stats.tooLarge).toBe(1);
    const codes = sinkB.errors.map((e) => e.code);
    expect(codes.filter((c) => c === 'UNDECODABLE')).toHaveLength(garbage.length);
    expect(codes.filter((c) => c === 'TOO_LARGE')).toHaveLength(1);
  });
});
