import { describe, expect, it } from 'vitest';
import { PeerListeners } from '../../src/transport/peer-listeners.js';

describe('PeerListeners', () => {
  it('replays present peers later, only those still present, to listeners still subscribed', async () => {
    const listeners = new PeerListeners();
    const present = new Set(['a', 'b']);
    const seen: string[] = [];
    const dropped: string[] = [];
    listeners.onPeer((p) => seen.push(p), present);
    const off = listeners.onPeer((p) => dropped.push(p), present);
    expect(seen).toEqual([]);
    present.delete('b');
    off();
    await Promise.resolve();
    expect(seen).toEqual(['a']);
    expect(dropped).toEqual([]);
  });

  it('reports joins and departures to every listener, until cleared', () => {
    const listeners = new PeerListeners((task) => task());
    const events: string[] = [];
    listeners.onPeer((p) => events.push(`+${p}`), new Set());
    const offGone = listeners.onPeerGone((p) => events.push(`-${p}`));
    listeners.joined('c');
    listeners.left('c');
    offGone();
    listeners.left('d');
    listeners.clear();
    listeners.joined('e');
    expect(events).toEqual(['+c', '-c']);
  });
});
