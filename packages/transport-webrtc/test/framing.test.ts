import { describe, expect, it } from 'vitest';
import { CHUNK_CHARS, encodeFrames, Reassembler } from '../src/framing.js';
import { Outbox } from '../src/outbox.js';

const reassemble = (frames: unknown[], max = 1 << 20) => {
  const r = new Reassembler(max);
  return frames.map((f) => r.push(f));
};

describe('framing', () => {
  it('a small message is one frame; a large one is split below CHUNK_CHARS and reassembled', () => {
    expect(encodeFrames('{"a":1}')).toEqual(['m{"a":1}']);
    const json = JSON.stringify({ s: 'x'.repeat(3 * CHUNK_CHARS) });
    const frames = encodeFrames(json);
    expect(frames.length).toBe(4);
    for (const f of frames) expect(f.length).toBeLessThanOrEqual(CHUNK_CHARS + 1);
    const results = reassemble(frames);
    expect(results.slice(0, -1).every((r) => r.kind === 'partial')).toBe(true);
    expect(results.at(-1)).toEqual({ kind: 'message', payload: { s: 'x'.repeat(3 * CHUNK_CHARS) } });
  });

  it('never splits a surrogate pair (it would turn into U+FFFD on both sides in UTF-8)', () => {
    const s = 'a😀'.repeat(20);
    const frames = encodeFrames(JSON.stringify(s), 8);
    for (const f of frames) {
      const last = f.charCodeAt(f.length - 1);
      expect(last >= 0xd800 && last <= 0xdbff).toBe(false);
    }
    expect(reassemble(frames).at(-1)).toEqual({ kind: 'message', payload: s });
  });

  it('refuses what is not its framing, once per frame', () => {
    for (const frame of ['', 'x', 'm{', 'mnot json', 'e', new Uint8Array([1]), 42, null])
      expect(reassemble([frame])[0]?.kind).toBe('undecodable');
    // A whole message interrupting a partial one: the partial is lost (reported), the next one decodes.
    expect(reassemble(['p{"a"', 'm1', 'm2']).map((r) => r.kind)).toEqual([
      'partial',
      'undecodable',
      'message',
    ]);
  });

  it('bounds a partial message: past maxChars it is dropped, reported once, and the next one passes', () => {
    const frames = encodeFrames(JSON.stringify('y'.repeat(100)), 10);
    const results = reassemble([...frames, 'm"after"'], 50);
    expect(results.filter((r) => r.kind === 'too-large').length).toBe(1);
    expect(results.filter((r) => r.kind === 'message')).toEqual([{ kind: 'message', payload: 'after' }]);
    // A single frame above the limit is not parsed.
    expect(reassemble([`m${JSON.stringify('z'.repeat(60))}`], 50)[0]?.kind).toBe('too-large');
  });
});

describe('outbox', () => {
  it('is bounded: the oldest waiting messages go first', () => {
    const outbox = new Outbox(3, 1000);
    let dropped = 0;
    for (let n = 0; n < 5; n++) dropped += outbox.push(String(n));
    expect(dropped).toBe(2);
    expect(outbox.drain()).toEqual(['2', '3', '4']);
    const byChars = new Outbox(100, 10);
    byChars.push('12345');
    byChars.push('67890');
    expect(byChars.push('x')).toBe(1);
    expect(byChars.length).toBe(2);
  });

  it('sends while the channel is writable and resumes where it paused, frames of a message in order', () => {
    const outbox = new Outbox();
    const sent: string[] = [];
    let room = 2;
    const sink = {
      get writable() {
        return room > 0;
      },
      send: (frame: string) => {
        room--;
        sent.push(frame);
      },
    };
    outbox.push(JSON.stringify('a'.repeat(3 * CHUNK_CHARS)));
    outbox.push('1');
    outbox.flush(sink);
    expect(sent.map((f) => f[0])).toEqual(['p', 'p']);
    room = 10;
    outbox.flush(sink);
    expect(sent.map((f) => f[0])).toEqual(['p', 'p', 'p', 'e', 'm']);
    expect(outbox.length).toBe(0);
  });
});
