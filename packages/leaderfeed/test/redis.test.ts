import { type RedisProcess, startRedis } from '@webraft/server/testing';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LeadershipLostError, RedisLeaderFeed } from '../src/index.js';
import { currentLeader, gracefulFailover, nextLeader, recordLeaderships } from './feed-events.js';

// A real redis-server (Debian's), started on a free loopback port for this file.
let redis: RedisProcess;
let admin: Redis;
let feedSeq = 0;
const clients: Redis[] = [];
const running: RedisLeaderFeed[] = [];

beforeAll(async () => {
  redis = await startRedis();
  admin = new Redis(redis.url);
  admin.on('error', () => {});
}, 30_000);
afterEach(async () => {
  await Promise.all(running.splice(0).map((f) => f.stop().catch(() => {})));
  for (const c of clients.splice(0)) c.disconnect();
});
afterAll(async () => {
  admin?.disconnect();
  await redis?.stop();
});

/** A client for the tests: its connection errors (Redis stopped on purpose) are expected, not unhandled. */
function client(): Redis {
  const c = new Redis(redis.url);
  c.on('error', () => {});
  clients.push(c);
  return c;
}

async function startFeeds(n: number) {
  const channel = `feed-${++feedSeq}`;
  const feeds = Array.from({ length: n }, (_, i) => {
    return new RedisLeaderFeed(client(), { id: `worker${i + 1}` });
  });
  const leaderships = recordLeaderships(feeds);
  running.push(...feeds);
  await Promise.all(feeds.map((f) => f.start({ channel })));
  return { channel, feeds, leaderships };
}

/** Resolves once `count` leader messages have crossed `channel` (an outside subscriber counts them). */
async function published(channel: string, count: number): Promise<void> {
  const watcher = client();
  let seen = 0;
  const done = new Promise<void>((resolve) =>
    watcher.on('message', () => {
      if (++seen === count) resolve();
    }),
  );
  await watcher.subscribe(channel);
  return done;
}

/** Resolves with the next `heartbeat error` of `feed`. */
function heartbeatError(feed: RedisLeaderFeed): Promise<unknown> {
  return new Promise((resolve) => {
    const off = feed.on('heartbeat error', (error) => {
      off();
      resolve(error);
    });
  });
}

describe('RedisLeaderFeed on a real redis-server', () => {
  it('three feeds elect exactly one leader and keep it; the record and the token are in Redis', async () => {
    const { channel, feeds, leaderships } = await startFeeds(3);
    const { feed, token } = await nextLeader(feeds);
    await published(channel, 10); // ten heartbeats: a second, over three election timeouts
    expect(leaderships).toEqual([{ id: feed.id, token }]);
    expect(await admin.get(`${channel}:leader`)).toBe(`${token}:${feed.id}`);
    expect(Number(await admin.get(`${channel}:token`))).toBe(token);
    const ttl = await admin.pttl(`${channel}:leader`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(feed.leaseMs);
  });

  it('the leader stopped: it resigns, and a new leader has a larger token', async () => {
    const { feeds } = await startFeeds(3);
    const { first, second, failoverMs } = await gracefulFailover(feeds);
    expect(second.token).toBeGreaterThan(first.token);
    expect(failoverMs).toBeLessThan(300); // no waiting out the lease
  });

  it('the leader crashed (its connection gone): it steps down, the key expires, a larger token leads', async () => {
    const { channel, feeds } = await startFeeds(3);
    const first = await nextLeader(feeds);
    const rest = feeds.filter((f) => f !== first.feed);
    const next = nextLeader(rest);
    const stepped = heartbeatError(first.feed);
    (first.feed.pub as Redis).disconnect();
    await stepped;
    expect(first.feed.isLeader).toBe(false);
    // It stepped down by itself while Redis still held its lease: nobody else could lead yet.
    expect(await admin.get(`${channel}:leader`)).toBe(`${first.token}:${first.feed.id}`);
    const second = await next;
    expect(second.token).toBeGreaterThan(first.token);
  });

  it('Redis paused past the lease (CLIENT PAUSE): the leader steps down on its own clock, then a larger token', async () => {
    const { feeds } = await startFeeds(3);
    const first = await nextLeader(feeds);
    const stepped = heartbeatError(first.feed);
    const next = nextLeader(feeds);
    await admin.client('PAUSE', 1000, 'ALL');
    const error = await stepped;
    expect(error).toBeInstanceOf(LeadershipLostError);
    expect((error as LeadershipLostError).code).toBe('LEASE_EXPIRED');
    const second = await next;
    expect(second.token).toBeGreaterThan(first.token);
  });

  it('eight feeds contending, leaders stopped and restarted: one at a time, tokens increasing', async () => {
    const { channel, feeds, leaderships } = await startFeeds(8);
    const overlaps: string[] = [];
    for (const f of feeds) {
      f.on('new state', (state) => {
        const others = feeds.filter((o) => o !== f && o.isLeader);
        if (state === 'leader' && others.length > 0) overlaps.push(`${f.id} with ${others.map((o) => o.id)}`);
      });
    }
    for (let round = 0; round < 6; round++) {
      const feed = await currentLeader(feeds);
      // Stop the leader (and, every other round, one more) and start them again: fresh contention.
      const victims = [feed, ...(round % 2 ? [feeds.find((f) => f !== feed)!] : [])];
      await Promise.all(victims.map((v) => v.stop()));
      await Promise.all(victims.map((v) => v.start({ channel })));
    }
    await currentLeader(feeds);
    expect(overlaps).toEqual([]);
    const tokens = leaderships.map((l) => l.token);
    expect(tokens).toEqual([...tokens].sort((a, b) => a - b));
    expect(new Set(tokens).size).toBe(tokens.length);
    expect(leaderships.length).toBeGreaterThanOrEqual(7);
  });

  it('Redis restarted without its data: the leader steps down, and the next token is still larger', async () => {
    const { channel, feeds } = await startFeeds(3);
    const first = await nextLeader(feeds);
    const stepped = new Promise<void>((resolve) =>
      first.feed.on('new state', (state) => state === 'follower' && resolve()),
    );
    await redis.stop();
    await stepped; // on the subscriber's error, or its heartbeats failing: it stopped leading
    expect(feeds.filter((f) => f.isLeader)).toEqual([]);
    const next = nextLeader(feeds);
    redis = await startRedis(10_000, redis.port);
    admin.disconnect();
    admin = client();
    const second = await next;
    expect(await admin.get(`${channel}:leader`)).toBe(`${second.token}:${second.feed.id}`);
    expect(second.token).toBeGreaterThan(first.token);
  });
});
