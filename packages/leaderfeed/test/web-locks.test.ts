import { ConfigurationError } from '@webraft/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type LeaderFeed, MemoryTokenCounter, WebLocksLeaderFeed } from '../src/index.js';
import { electHandOff, gracefulFailover, heartbeats, nextLeader, recordLeaderships } from './feed-events.js';
import { MemoryLockManager } from './memory-lock-manager.js';

let nameSeq = 0;
const running: LeaderFeed[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((f) => f.stop()));
});

async function startFeeds(n: number) {
  const name = `leaderfeed-locks-${process.pid}-${++nameSeq}`;
  const locks = new MemoryLockManager();
  const counter = new MemoryTokenCounter();
  const feeds = Array.from(
    { length: n },
    (_, i) => new WebLocksLeaderFeed({ id: `tab${i + 1}`, locks: locks.asLockManager(), counter }),
  );
  const leaderships = recordLeaderships(feeds);
  running.push(...feeds);
  await Promise.all(feeds.map((f) => f.start({ name })));
  return { name, locks, counter, feeds, leaderships };
}

/** Resolves once `feed` has found the lock held by another `count` times. */
function lockBusy(feed: LeaderFeed, count: number): Promise<void> {
  let seen = 0;
  return new Promise((resolve) => {
    const off = feed.on('change', (change) => {
      if ((change as { type?: string }).type === 'lock busy' && ++seen === count) {
        off();
        resolve();
      }
    });
  });
}

describe('WebLocksLeaderFeed (Node 20, a lock manager in memory, real time)', () => {
  it('three feeds elect exactly one leader, the lock holder, with the committed token', async () => {
    const { name, locks, counter, feeds, leaderships } = await startFeeds(3);
    const { feed, token } = await nextLeader(feeds);
    // Ten heartbeats (a second at the default interval, over three election timeouts): still one.
    await heartbeats(name, 10);
    expect(leaderships).toEqual([{ id: feed.id, token }]);
    expect(locks.isHeld(name)).toBe(true);
    expect(await counter.read()).toBe(token);
    for (const f of feeds) expect(f.leader).toEqual({ leaderId: feed.id, token });
  });

  it('the leader stopped releases the lock at once: a new leader with a larger token', async () => {
    const { feeds } = await startFeeds(3);
    const { first, second, rest, failoverMs } = await gracefulFailover(feeds);
    expect(second.token).toBeGreaterThan(first.token);
    expect(rest.filter((f) => f.isLeader)).toEqual([second.feed]);
    // The resignation lets the others try the lock at once, well before an election timeout.
    expect(failoverMs).toBeLessThan(300);
  });

  it('a lock held elsewhere keeps every feed a follower; freed, one of them leads', async () => {
    const name = `leaderfeed-locks-${process.pid}-${++nameSeq}`;
    const locks = new MemoryLockManager();
    let free!: () => void;
    const outside = locks.request(name, { ifAvailable: true }, () => new Promise<void>((r) => (free = r)));
    const feeds = [1, 2].map(
      (i) =>
        new WebLocksLeaderFeed({
          id: `tab${i}`,
          locks: locks.asLockManager(),
          counter: new MemoryTokenCounter(),
        }),
    );
    running.push(...feeds);
    await Promise.all(feeds.map((f) => f.start({ name })));
    await Promise.all(feeds.map((f) => lockBusy(f, 2)));
    expect(feeds.filter((f) => f.isLeader)).toEqual([]);
    const next = nextLeader(feeds);
    free();
    await outside;
    await next;
    expect(feeds.filter((f) => f.isLeader).length).toBe(1);
  });

  it('elect(id) hands leadership to another feed, under a larger committed token', async () => {
    const { feeds, counter } = await startFeeds(3);
    const { first, second, target, stillLeading } = await electHandOff(feeds);
    expect(stillLeading).toBe(false);
    expect(second.token).toBeGreaterThan(first.token);
    expect(await counter.read()).toBe(second.token);
    expect(target.isLeader).toBe(true);
  });

  it('two elect(id) at once while nobody leads (the lock held elsewhere, then freed): one leader, a fresh token', async () => {
    const name = `leaderfeed-locks-${process.pid}-${++nameSeq}`;
    const locks = new MemoryLockManager();
    const counter = new MemoryTokenCounter();
    await counter.next(41); // leaderships before: the next must be above them
    let free!: () => void;
    const outside = locks.request(name, { ifAvailable: true }, () => new Promise<void>((r) => (free = r)));
    // Natural elections late (near the top of a 3 s timeout): the racing calls come first.
    const feeds = [1, 2, 3].map(
      (i) =>
        new WebLocksLeaderFeed({
          id: `tab${i}`,
          locks: locks.asLockManager(),
          counter,
          electionTimeoutMaxMs: 3000,
          random: () => 0.99,
        }),
    );
    const leaderships = recordLeaderships(feeds);
    running.push(...feeds);
    await Promise.all(feeds.map((f) => f.start({ name })));
    const [a, b, c] = feeds as [WebLocksLeaderFeed, WebLocksLeaderFeed, WebLocksLeaderFeed];
    free();
    await outside;
    const next = nextLeader(feeds);
    await Promise.all([a.elect(b.id), c.elect(a.id), b.elect()]);
    const { feed, token } = await next;
    expect(token).toBeGreaterThan(42);
    await heartbeats(name, 5);
    expect(feeds.filter((f) => f.isLeader)).toEqual([feed]);
    expect(feed.token).toBe(await counter.read());
    // Each leadership on the way had its own, larger token.
    const tokens = leaderships.map((l) => l.token);
    expect(tokens).toEqual([...new Set(tokens)].sort((x, y) => x - y));
  });

  it('elect() racing a natural election: one leader, the lock holder', async () => {
    const { name, locks, counter, feeds, leaderships } = await startFeeds(3);
    const first = await nextLeader(feeds);
    await first.feed.stop(); // a resignation: every follower campaigns at once, and one is told to too
    const rest = feeds.filter((f) => f !== first.feed);
    const next = nextLeader(rest);
    await rest[0]!.elect().catch(() => {});
    const { feed, token } = await next;
    expect(token).toBeGreaterThan(first.token);
    await heartbeats(name, 5);
    expect(rest.filter((f) => f.isLeader)).toEqual([feed]);
    expect(locks.isHeld(name)).toBe(true);
    expect(await counter.read()).toBe(feed.token);
    const tokens = leaderships.map((l) => l.token);
    expect(tokens).toEqual([...new Set(tokens)].sort((x, y) => x - y));
  });

  it('refuses to start without Web Locks, or with a bad name, and stays stopped', async () => {
    const feed = new WebLocksLeaderFeed({ counter: new MemoryTokenCounter() });
    await expect(feed.start({ name: 'x' })).rejects.toBeInstanceOf(ConfigurationError);
    expect(feed.status).toBe('stopped');
    const withLocks = new WebLocksLeaderFeed({ locks: new MemoryLockManager().asLockManager() });
    await expect(withLocks.start({ name: '' })).rejects.toBeInstanceOf(ConfigurationError);
    expect(withLocks.status).toBe('stopped');
  });
});
