import { afterEach, describe, expect, it } from 'vitest';
import { BroadcastChannelLeaderFeed, type LeaderFeed } from '../src/index.js';
import { electHandOff, gracefulFailover, heartbeats, nextLeader, recordLeaderships } from './feed-events.js';

let channelSeq = 0;
const running: LeaderFeed[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((f) => f.stop()));
});

async function startFeeds(n: number) {
  const channel = `leaderfeed-test-${process.pid}-${++channelSeq}`;
  const feeds = Array.from({ length: n }, (_, i) => new BroadcastChannelLeaderFeed({ id: `tab${i + 1}` }));
  const leaderships = recordLeaderships(feeds);
  running.push(...feeds);
  await Promise.all(feeds.map((f) => f.start({ channel })));
  return { channel, feeds, leaderships };
}

describe('BroadcastChannelLeaderFeed (Node 20, real time)', () => {
  it('three feeds elect exactly one leader, and keep it', async () => {
    const { channel, feeds, leaderships } = await startFeeds(3);
    const { feed, token } = await nextLeader(feeds);
    // Ten heartbeats (a second at the default interval, over three election timeouts): still one.
    await heartbeats(channel, 10);
    expect(leaderships).toEqual([{ id: feed.id, token }]);
    expect(feeds.filter((f) => f.isLeader)).toEqual([feed]);
    for (const f of feeds) expect(f.leader).toEqual({ leaderId: feed.id, token });
  });

  it('the leader stopped: a new leader with a larger token', async () => {
    const { feeds } = await startFeeds(3);
    const { first, second, rest, failoverMs } = await gracefulFailover(feeds);
    expect(second.token).toBeGreaterThan(first.token);
    expect(rest.filter((f) => f.isLeader)).toEqual([second.feed]);
    // A resignation lets the others campaign at once, well before an election timeout.
    expect(failoverMs).toBeLessThan(300);
  });

  it('elect(id) hands leadership to another feed, under a larger token', async () => {
    const { feeds } = await startFeeds(3);
    const { first, second, target, stillLeading } = await electHandOff(feeds);
    expect(stillLeading).toBe(false);
    expect(second.token).toBeGreaterThan(first.token);
    expect(target.isLeader).toBe(true);
  });
});
