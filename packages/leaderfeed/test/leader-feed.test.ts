import { ConfigurationError, seededRandom } from '@webraft/core';
import { VirtualClock } from '@webraft/core/testing';
import { describe, expect, it } from 'vitest';
import {
  FeedStateError,
  LeadershipLostError,
  MemoryFeedStore,
  MemoryLeaderFeed,
  resolveTiming,
} from '../src/index.js';
import { runFor, runUntil } from './virtual-time.js';

function setup(n: number, seed = 1) {
  const clock = new VirtualClock();
  const store = new MemoryFeedStore(clock);
  const random = seededRandom(seed);
  const feeds = Array.from(
    { length: n },
    (_, i) => new MemoryLeaderFeed(store, { id: `f${i + 1}`, clock, random }),
  );
  return { clock, store, feeds };
}

const leaders = (feeds: MemoryLeaderFeed[]) => feeds.filter((f) => f.isLeader);

describe('timing options', () => {
  it('defaults to 100 / 300 / 600 ms and 1 % drift', () => {
    expect(resolveTiming()).toEqual({
      heartbeatIntervalMs: 100,
      electionTimeoutMinMs: 300,
      electionTimeoutMaxMs: 600,
      maxClockDrift: 0.01,
    });
  });

  it('refuses combinations that cannot keep one leader', () => {
    expect(() => resolveTiming({ heartbeatIntervalMs: 0 })).toThrow(ConfigurationError);
    expect(() => resolveTiming({ heartbeatIntervalMs: 200, electionTimeoutMinMs: 300 })).toThrow(
      ConfigurationError,
    );
    expect(() => resolveTiming({ electionTimeoutMinMs: 300, electionTimeoutMaxMs: 299 })).toThrow(
      ConfigurationError,
    );
    expect(() => resolveTiming({ maxClockDrift: 0.5 })).toThrow(ConfigurationError);
    expect(
      () => new MemoryLeaderFeed(new MemoryFeedStore(new VirtualClock()), { electionTimeoutMaxMs: -1 }),
    ).toThrow(ConfigurationError);
  });
});

describe('LeaderFeed on the memory backend', () => {
  it('goes through the lifecycle, with callbacks as in the seed', async () => {
    const { feeds } = setup(1);
    const feed = feeds[0]!;
    const seen: string[] = [];
    feed.on('subscribe started', () => seen.push('subscribe started'));
    expect(feed.status).toBe('stopped');
    const started = await new Promise<MemoryLeaderFeed | undefined>((resolve, reject) =>
      feed.start((error, result) => (error ? reject(error) : resolve(result))),
    );
    expect(started).toBe(feed);
    expect(feed.status).toBe('started');
    expect(seen).toEqual(['subscribe started']);
    await expect(feed.start()).rejects.toBeInstanceOf(FeedStateError);
    await new Promise<void>((resolve, reject) => feed.stop((error) => (error ? reject(error) : resolve())));
    expect(feed.status).toBe('stopped');
    await expect(feed.elect()).rejects.toBeInstanceOf(FeedStateError);
  });

  it('elects exactly one of three, and tells the others with its token', async () => {
    const { clock, feeds } = setup(3);
    const newLeader: [string, string, number][] = [];
    for (const f of feeds) f.on('new leader', (id, token) => newLeader.push([f.id, id, token]));
    await Promise.all(feeds.map((f) => f.start()));
    await runUntil(clock, () => leaders(feeds).length === 1, 1000);
    await runFor(clock, 2000, () => expect(leaders(feeds).length).toBeLessThanOrEqual(1));
    const [leader] = leaders(feeds);
    expect(leader!.token).toBe(1);
    for (const f of feeds) expect(f.leader).toEqual({ leaderId: leader!.id, token: 1 });
    expect(new Set(newLeader.map(([, id, token]) => `${id}:${token}`))).toEqual(new Set([`${leader!.id}:1`]));
  });

  it('a stopped leader resigns: a new leader with a larger token follows within a heartbeat interval', async () => {
    const { clock, feeds } = setup(3);
    await Promise.all(feeds.map((f) => f.start()));
    await runUntil(clock, () => leaders(feeds).length === 1, 1000);
    const old = leaders(feeds)[0]!;
    const oldToken = old.token!;
    await old.stop();
    const stoppedAt = clock.now();
    const rest = feeds.filter((f) => f !== old);
    await runUntil(clock, () => leaders(rest).length === 1, 1000);
    expect(clock.now() - stoppedAt).toBeLessThanOrEqual(100);
    expect(leaders(rest)[0]!.token).toBeGreaterThan(oldToken);
  });

  it('elect(id) hands leadership over: the old leader steps down first', async () => {
    const { clock, feeds } = setup(2);
    const states: string[] = [];
    for (const f of feeds) f.on('new state', (state, token) => states.push(`${f.id} ${state} ${token}`));
    await Promise.all(feeds.map((f) => f.start()));
    await runUntil(clock, () => leaders(feeds).length === 1, 1000);
    const [from, to] = feeds[0]!.isLeader ? [feeds[0]!, feeds[1]!] : [feeds[1]!, feeds[0]!];
    const record = await from.elect(to.id);
    expect(from.isLeader).toBe(false);
    expect(record).toEqual({ leaderId: to.id, token: 2 });
    await runUntil(clock, () => to.isLeader, 100);
    expect(to.token).toBe(2);
    expect(states).toEqual([`${from.id} leader 1`, `${from.id} follower undefined`, `${to.id} leader 2`]);
  });

  it('elect() of itself is refused while another holds a live lease', async () => {
    const { clock, feeds } = setup(2);
    await Promise.all(feeds.map((f) => f.start()));
    await runUntil(clock, () => leaders(feeds).length === 1, 1000);
    const follower = feeds.find((f) => !f.isLeader)!;
    const record = await follower.elect();
    expect(record?.leaderId).not.toBe(follower.id);
    expect(follower.isLeader).toBe(false);
  });

  it('a leader whose heartbeats fail steps down when its lease runs out, before the store frees it', async () => {
    const clock = new VirtualClock();
    const store = new MemoryFeedStore(clock);
    let cut = false;
    const link = {
      request<T>(apply: () => T): Promise<T> {
        return cut ? new Promise<T>(() => {}) : Promise.resolve(apply());
      },
      deliver: (notify: () => void) => queueMicrotask(notify),
    };
    const feed = new MemoryLeaderFeed(store, { id: 'a', clock, link, random: seededRandom(3) });
    const errors: unknown[] = [];
    feed.on('heartbeat error', (e) => errors.push(e));
    await feed.start();
    await runUntil(clock, () => feed.isLeader, 1000);
    await runFor(clock, 50);
    cut = true; // heartbeats now hang: no answer, no renewal
    await runUntil(clock, () => !feed.isLeader, 1000);
    expect(store.current()).not.toBeNull(); // the store still holds the lease: the leader stepped down first
    await runFor(clock, 0);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(LeadershipLostError);
    expect((errors[0] as LeadershipLostError).code).toBe('LEASE_EXPIRED');
    expect(feed.state).toBe('follower');
  });
});

describe('stop() while starting', () => {
  it('the start is refused and the feed ends stopped, never started', async () => {
    const clock = new VirtualClock();
    const feed = new MemoryLeaderFeed(new MemoryFeedStore(clock), { clock });
    const starting = feed.start();
    expect(feed.status).toBe('starting');
    const stopping = feed.stop();
    await expect(starting).rejects.toBeInstanceOf(FeedStateError);
    await stopping;
    expect(feed.status).toBe('stopped');
  });
});

describe('seed-style extension points', () => {
  /** A backend written the seed's way: `_create(done)` instead of returning a promise. */
  class CallbackFeed extends MemoryLeaderFeed {
    createError: Error | undefined;
    created = false;
    protected override _create(done?: (error?: unknown) => void): void {
      queueMicrotask(() => {
        this.created = this.createError === undefined;
        done!(this.createError);
      });
    }
  }

  it('waits for done() and takes its error', async () => {
    const clock = new VirtualClock();
    const ok = new CallbackFeed(new MemoryFeedStore(clock), { clock });
    await ok.start();
    expect(ok.created).toBe(true);
    expect(ok.status).toBe('started');
    const failing = new CallbackFeed(new MemoryFeedStore(clock), { clock });
    failing.createError = new Error('no table');
    await expect(failing.start()).rejects.toThrow('no table');
    expect(failing.status).toBe('stopped');
  });
});
