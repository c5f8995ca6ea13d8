import { type RandomSource, seededRandom } from '@webraft/core';
import { SimulationError, VirtualClock } from '@webraft/core/testing';
import { describe, expect, it } from 'vitest';
import { MemoryFeedStore, MemoryLeaderFeed } from '../../src/index.js';
import { runFor, runUntil } from '../virtual-time.js';
import { FaultyLink, type LinkFaults } from './faulty-link.js';
import { FeedClock } from './feed-clock.js';
import { LeadershipChecker } from './leadership-checker.js';

const FILE = 'packages/leaderfeed/test/sim/feed-faults.sim.test.ts';
const DRIFT = 0.01;
const seeds = process.env.SEED ? [Number(process.env.SEED)] : Array.from({ length: 30 }, (_, i) => 101 + i);

interface SimFeed {
  feed: MemoryLeaderFeed;
  clock: FeedClock;
  link: FaultyLink;
}

function buildFeeds(
  base: VirtualClock,
  store: MemoryFeedStore,
  rnd: RandomSource,
  n: number,
  faults: LinkFaults,
) {
  return Array.from({ length: n }, (_, i): SimFeed => {
    // Each feed's clock runs at its own rate, within the documented drift bound of the store's.
    const clock = new FeedClock(base, 1 - DRIFT + rnd() * 2 * DRIFT);
    const link = new FaultyLink(base, clock, seededRandom(Math.floor(rnd() * 2 ** 32)), faults);
    const feed = new MemoryLeaderFeed(store, {
      id: `f${i + 1}`,
      clock,
      link,
      maxClockDrift: DRIFT,
      random: seededRandom(Math.floor(rnd() * 2 ** 32)),
    });
    return { feed, clock, link };
  });
}

/**
 * One fault, chosen by the seed: a cut link, a frozen feed, a graceful restart, or an eager `elect()`
 * (a follower campaigning at any moment, so some campaign lands just as a lost leader's lease ends).
 */
function injectFault(sim: SimFeed, rnd: RandomSource): void {
  const r = rnd();
  const ms = 100 + rnd() * 1400;
  if (r < 0.3) sim.link.cut(ms);
  else if (r < 0.6) sim.clock.freeze(ms);
  else if (r < 0.9)
    void sim.feed.elect().catch(() => {}); // FeedStateError while restarting
  else {
    // A restart already under way makes this start() refuse (FeedStateError): that restart goes on.
    const restart = () => sim.feed.start().catch(() => {});
    void sim.feed.stop().then(restart, restart);
  }
}

async function runSeed(seed: number): Promise<{ leaderships: number }> {
  const rnd = seededRandom(seed);
  const base = new VirtualClock();
  const store = new MemoryFeedStore(base);
  const n = 3 + Math.floor(rnd() * 3);
  const sims = buildFeeds(base, store, rnd, n, { maxLatencyMs: 5 + rnd() * 40, lossRate: rnd() * 0.1 });
  const feeds = sims.map((s) => s.feed);
  const checker = new LeadershipChecker(feeds);
  await Promise.all(feeds.map((f) => f.start()));

  let faulting = true;
  const faultLoop = () => {
    if (!faulting) return;
    injectFault(sims[Math.floor(rnd() * sims.length)]!, rnd);
    base.setTimer(rnd() * 300, faultLoop);
  };
  base.setTimer(500, faultLoop);
  await runFor(base, 20_000, () => checker.check());
  faulting = false;
  // Heal: no more faults; after the last one has worn off, one leader again (liveness).
  await runFor(base, 2000, () => checker.check());
  await runUntil(
    base,
    () => feeds.filter((f) => f.isLeader).length === 1 && feeds.every((f) => f.status === 'started'),
    10_000,
  );
  await runFor(base, 2000, () => checker.check());
  // Stopping needs the clock to run (the resignation travels over the link).
  const stopped = Promise.all(feeds.map((f) => f.stop().catch(() => {})));
  await runFor(base, 1000);
  await stopped;
  return { leaderships: checker.leaderships };
}

describe('leaderfeed under seeded faults (virtual clock, drifting clocks, lossy links, frozen feeds)', () => {
  it('never two leaders with live leases, never one token for two leaders, and a leader again after', async () => {
    let leaderships = 0;
    for (const seed of seeds) {
      try {
        leaderships += (await runSeed(seed)).leaderships;
      } catch (error) {
        throw new SimulationError(
          String((error as Error).message ?? error),
          seed,
          `SEED={seed} pnpm vitest run ${FILE}`,
        );
      }
    }
    // The faults must actually have moved leadership around, or the run proves nothing.
    expect(leaderships).toBeGreaterThan(seeds.length * 5);
  });
});
