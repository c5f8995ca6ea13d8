import { VirtualClock } from '@webraft/core/testing';
import { describe, expect, it } from 'vitest';
import { BroadcastChannelLeaderFeed, LocalStorageTokenStore, type TokenStore } from '../src/index.js';
import { ChannelHub } from './sim/channel-hub.js';
import { runFor, runUntil } from './virtual-time.js';

/** localStorage's shape, in memory. */
function memoryStorage() {
  const items = new Map<string, string>();
  return {
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
  };
}

/** Three feeds on a simulated channel lead in turn, then all are gone; three fresh ones start. */
async function fullRestart(tokenStore: () => TokenStore | null) {
  const clock = new VirtualClock();
  const hub = new ChannelHub(clock);
  let seq = 0;
  const generation = async () => {
    const feeds = [0, 1, 2].map(() => {
      const id = `f${++seq}`;
      // The same jitter for all: fresh feeds claim at one instant, the same token (a deterministic run).
      return new BroadcastChannelLeaderFeed({
        id,
        clock,
        random: () => 0.5,
        createChannel: hub.factory(id),
        tokenStore: tokenStore(),
      });
    });
    for (const f of feeds) await f.start({ channel: 'c' });
    return feeds;
  };
  const lead = async (feeds: BroadcastChannelLeaderFeed[]) => {
    await runUntil(clock, () => feeds.some((f) => f.isLeader), 5000);
    return feeds.find((f) => f.isLeader)!;
  };
  const before = await generation();
  for (let i = 0; i < 2; i++) {
    const leader = await lead(before);
    await leader.stop();
    await leader.start({ channel: 'c' });
  }
  const lastBefore = (await lead(before)).token!;
  await Promise.all(before.map((f) => f.stop()));
  await runFor(clock, 1000);
  const after = await generation();
  return { lastBefore, firstAfter: (await lead(after)).token! };
}

describe('BroadcastChannelLeaderFeed token store (virtual clock)', () => {
  it('with a store shared by the tabs, tokens keep increasing after every feed of the channel was gone', async () => {
    const storage = memoryStorage();
    const { lastBefore, firstAfter } = await fullRestart(() => new LocalStorageTokenStore('k', storage));
    expect(lastBefore).toBeGreaterThanOrEqual(3); // three leaderships (a beaten claim may skip one)
    expect(firstAfter).toBeGreaterThan(lastBefore);
    expect(storage.getItem('k')).toBe(String(firstAfter));
  });

  it('without one (tokenStore: null, or Node without localStorage), the counter starts again: the documented limit', async () => {
    const { lastBefore, firstAfter } = await fullRestart(() => null);
    expect(lastBefore).toBeGreaterThanOrEqual(3);
    expect(firstAfter).toBe(1);
  });

  it('LocalStorageTokenStore: a missing or corrupted entry is no floor, and a smaller token never lowers it', () => {
    const storage = memoryStorage();
    const store = new LocalStorageTokenStore('k', storage);
    expect(store.read()).toBe(0);
    storage.setItem('k', 'garbage');
    expect(store.read()).toBe(0);
    store.write(7);
    store.write(5);
    expect(store.read()).toBe(7);
  });
});
