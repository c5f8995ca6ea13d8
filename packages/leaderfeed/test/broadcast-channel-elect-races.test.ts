import { VirtualClock } from '@webraft/core/testing';
import { describe, expect, it } from 'vitest';
import { BroadcastChannelLeaderFeed } from '../src/index.js';
import { ChannelHub } from './sim/channel-hub.js';
import { LeadershipChecker } from './sim/leadership-checker.js';
import { runFor, runUntil } from './virtual-time.js';

/** Every offset (ms) between two racing calls, across a whole claim window (20 ms) and past it. */
const OFFSETS = Array.from({ length: 27 }, (_, i) => i);

/**
 * Four feeds on a simulated channel (delays under a millisecond), whose leader `f1` just crashed (its
 * messages, its resignation too, lost). Natural elections come late (the election timeout's random
 * part at its top: near 3 s after the last heartbeat), but for `f2` when `natural` is set (at the
 * shortest timeout). `claims` records when each feed sent a claim.
 */
async function crashedLeader(natural = false) {
  const clock = new VirtualClock();
  const hub = new ChannelHub(clock);
  const dead = new Set<string>();
  const claims: { from: string; at: number }[] = [];
  hub.rule = (from, _to, m) => {
    if (m.type === 'claim' && !dead.has(from)) claims.push({ from, at: clock.now() });
    return dead.has(from) ? 'drop' : 0.3;
  };
  const feeds = ['f1', 'f2', 'f3', 'f4'].map(
    (id) =>
      new BroadcastChannelLeaderFeed({
        id,
        clock,
        electionTimeoutMaxMs: 3000,
        random: id === 'f1' || (natural && id === 'f2') ? () => 0 : () => 0.99,
        createChannel: hub.factory(id),
        tokenStore: null,
      }),
  );
  const checker = new LeadershipChecker(feeds);
  // f1 first: the others start later, so that f1's timer fires first and they hear it lead.
  await feeds[0]!.start({ channel: 'races' });
  await runFor(clock, 100);
  for (const f of feeds.slice(1)) await f.start({ channel: 'races' });
  const [first, ...rest] = feeds as [BroadcastChannelLeaderFeed, ...BroadcastChannelLeaderFeed[]];
  await runUntil(clock, () => first.isLeader, 2000);
  const crashedToken = first.token!;
  dead.add(first.id);
  await first.stop();
  claims.length = 0;
  return { clock, rest, checker, crashedToken, claims };
}

/** As `crashedLeader`, once the crashed leader's lease has run out: nobody leads, nobody campaigns. */
async function leaderlessFeeds() {
  const world = await crashedLeader();
  // A lease after the last heartbeat heard (sent just before the crash), and a little more.
  await runFor(world.clock, world.rest[0]!.leaseMs + 10, () => world.checker.check());
  expect(world.rest.some((f) => f.isLeader)).toBe(false);
  expect(world.claims).toEqual([]);
  return world;
}

/**
 * Runs until exactly one feed leads (its token above `above`; no two leases at once, no token twice on
 * the way), then a second more: still that one.
 */
async function expectOneLeader(
  clock: VirtualClock,
  feeds: readonly BroadcastChannelLeaderFeed[],
  checker: LeadershipChecker,
  above: number,
) {
  // When every racing claim is beaten, the natural election (near 3 s) elects one.
  await runUntil(
    clock,
    () => {
      checker.check();
      return feeds.filter((f) => f.isLeader).length === 1;
    },
    5000,
  );
  const leader = feeds.find((f) => f.isLeader)!;
  const token = leader.token!;
  await runFor(clock, 1000, () => checker.check());
  expect(feeds.filter((f) => f.isLeader)).toEqual([leader]);
  expect(leader.token).toBe(token);
  expect(token).toBeGreaterThan(above);
  for (const f of feeds) expect(f.leader).toEqual({ leaderId: leader.id, token });
  return leader;
}

describe('BroadcastChannelLeaderFeed: elect() calls racing while nobody leads (virtual clock)', () => {
  it('two elect(id) at once, for two different feeds, at every offset: exactly one leader, a fresh token', async () => {
    for (const offset of OFFSETS) {
      const { clock, rest, checker, crashedToken } = await leaderlessFeeds();
      const [a, b, c] = rest as [
        BroadcastChannelLeaderFeed,
        BroadcastChannelLeaderFeed,
        BroadcastChannelLeaderFeed,
      ];
      void a.elect(b.id);
      clock.setTimer(offset, () => void c.elect(a.id));
      const leader = await expectOneLeader(clock, rest, checker, crashedToken);
      expect([a.id, b.id]).toContain(leader.id);
    }
  });

  it('elect(id) for a feed that elects itself at the same time, at every offset: one leader, that feed', async () => {
    for (const offset of OFFSETS) {
      const { clock, rest, checker, crashedToken } = await leaderlessFeeds();
      const [a, b] = rest as [BroadcastChannelLeaderFeed, BroadcastChannelLeaderFeed];
      void a.elect(b.id);
      clock.setTimer(offset, () => void b.elect());
      const leader = await expectOneLeader(clock, rest, checker, crashedToken);
      expect(leader).toBe(b);
    }
  });

  it('elect() racing a natural election, at every offset around it: exactly one leader', async () => {
    // The moment f2's election timer makes it claim, the same in every run (a virtual clock).
    const probe = await crashedLeader(true);
    await runUntil(probe.clock, () => probe.claims.length > 0, 5000);
    const natural = probe.claims[0]!;
    expect(natural.from).toBe('f2');
    for (const offset of OFFSETS) {
      const { clock, rest, checker, crashedToken } = await crashedLeader(true);
      const b = rest[1]!;
      // Half the offsets before f2's own claim, half after it (within its claim window and past it).
      clock.setTimer(natural.at - clock.now() + offset - OFFSETS.length / 2, () => void b.elect());
      const leader = await expectOneLeader(clock, rest, checker, crashedToken);
      expect(['f2', b.id]).toContain(leader.id);
    }
  });
});
