import { describe, expect, it } from 'vitest';
import { largerWriterWins, remoteWins, type Version } from '../src/index.js';

const v = (clock: number, writer: string, timestamp = 0): Version => ({ clock, writer, timestamp });

describe('remoteWins', () => {
  it('takes a remote version when nothing is held locally', () => {
    expect(remoteWins(v(0, 'a'), undefined, largerWriterWins)).toBe(true);
  });
  it('orders by clock first, whatever the writers', () => {
    expect(remoteWins(v(2, 'a'), v(1, 'z'), largerWriterWins)).toBe(true);
    expect(remoteWins(v(1, 'z'), v(2, 'a'), largerWriterWins)).toBe(false);
  });
  it('keeps the version already held (same clock, same writer)', () => {
    expect(remoteWins(v(3, 'b'), v(3, 'b'), () => true)).toBe(false);
  });
  it('gives equal clocks of two writers to the resolver, the larger id by default, the same on both sides', () => {
    expect(remoteWins(v(1, 'b'), v(1, 'a'), largerWriterWins)).toBe(true);
    expect(remoteWins(v(1, 'a'), v(1, 'b'), largerWriterWins)).toBe(false);
    const newer = (a: Version, b: Version) => a.timestamp > b.timestamp;
    expect(remoteWins(v(1, 'a', 9), v(1, 'b', 5), newer)).toBe(true);
  });
});
