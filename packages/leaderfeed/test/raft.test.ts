import { ConfigurationError, MemoryNetwork, RaftInterface } from '@webraft/core';
import { SimulationError } from '@webraft/core/testing';
import { describe, expect, it } from 'vitest';
import { LeadershipLostError, RaftLeaderFeed } from '../src/index.js';
import { RaftFeedCluster } from './raft-harness.js';

const FILE = 'packages/leaderfeed/test/raft.test.ts';
const NODES = ['n1', 'n2', 'n3'];

function cluster(seed: number): RaftFeedCluster {
  return new RaftFeedCluster({ seed, nodes: NODES, replay: `SEED={seed} pnpm vitest run ${FILE}` });
}

describe('RaftLeaderFeed (the core simulator, virtual clock)', () => {
  it('three nodes: exactly one feed leads, the Raft leader, with its term as token, and keeps it', async () => {
    const c = cluster(1);
    await c.start();
    const leader = await c.waitForFeedLeader();
    expect(leader.id).toBe(c.sim.leader());
    expect(leader.token).toBe(c.sim.raft(leader.id).term);
    // Every feed knows the leadership; the followers' feeds follow.
    for (const feed of c.feeds.values())
      expect(feed.leader).toEqual({ leaderId: leader.id, token: leader.token });
    // Fifty heartbeats of the feed (the simulator's 20 ms): still the same one leader.
    await c.runFor(1000);
    expect(c.leaders).toEqual([leader]);
    expect(c.checker.leaderships).toBe(1);
    await c.stop();
  });

  it('the leading feed stopped: Raft hands its leadership over and a larger token leads', async () => {
    const c = cluster(2);
    await c.start();
    const first = await c.waitForFeedLeader();
    const firstToken = first.token!;
    const stopped = first.stop();
    await c.runUntil(() => c.leaders.length === 1 && c.leaders[0] !== first, 2000, 'a new feed leading');
    await stopped;
    const second = c.leaders[0]!;
    expect(second.token).toBeGreaterThan(firstToken);
    expect(c.sim.leader()).toBe(second.id);
    await c.stop();
  });

  it('a leader cut off from the others steps down before a new one leads, under a larger term', async () => {
    const c = cluster(3);
    await c.start();
    const first = await c.waitForFeedLeader();
    const firstToken = first.token!;
    const lost: unknown[] = [];
    first.on('heartbeat error', (error) => lost.push(error));
    c.sim.network.isolate(first.id, NODES);
    // The checker, run before every event, fails the test if the new leader's lease overlaps the old.
    await c.runUntil(() => c.leaders.some((f) => f !== first), 5000, 'a new feed leading');
    expect(first.isLeader).toBe(false);
    expect(lost.length).toBeGreaterThan(0);
    expect(c.leaders[0]!.token).toBeGreaterThan(firstToken);
    // Healed, the old leader learns the new term and follows it.
    c.sim.network.heal();
    await c.runUntil(() => first.leader?.token === c.leaders[0]?.token, 2000, 'the old leader following');
    await c.stop();
  });

  it('a node that loses the Raft leadership steps its feed down at once (SUPERSEDED)', async () => {
    const c = cluster(4);
    await c.start();
    const first = await c.waitForFeedLeader();
    const errors: unknown[] = [];
    first.on('heartbeat error', (error) => errors.push(error));
    const target = NODES.find((id) => id !== first.id)!;
    // Leadership moved by Raft itself, not through the feed.
    const transferred = first.raft.transferLeadership(target);
    await c.runUntil(() => c.feeds.get(target)!.isLeader, 3000, 'the target leading');
    await transferred;
    expect(errors[0]).toBeInstanceOf(LeadershipLostError);
    expect((errors[0] as LeadershipLostError).code).toBe('SUPERSEDED');
    await c.stop();
  });

  it('elect(id) hands the leadership to another node through a Raft transfer', async () => {
    const c = cluster(5);
    await c.start();
    const first = await c.waitForFeedLeader();
    const firstToken = first.token!;
    const target = NODES.find((id) => id !== first.id)!;
    const elected = first.elect(target);
    await c.runUntil(() => c.feeds.get(target)!.isLeader, 3000, 'the target leading');
    const record = await elected;
    expect(record?.leaderId).toBe(target);
    expect(c.feeds.get(target)!.token).toBeGreaterThan(firstToken);
    await c.stop();
  });

  it('refuses a lease longer than the Raft node refuses other candidates for', () => {
    const network = new MemoryNetwork();
    const raft = new RaftInterface('a', { peers: ['a'], transport: network.transport('a') });
    // heartbeatTimeout defaults to 200 ms.
    expect(() => new RaftLeaderFeed(raft, { electionTimeoutMinMs: 300 })).toThrow(ConfigurationError);
    const feed = new RaftLeaderFeed(raft);
    expect(feed.id).toBe('a');
    expect(feed.leaseMs).toBe(200);
  });
});

const seeds = process.env.SEED ? [Number(process.env.SEED)] : Array.from({ length: 10 }, (_, i) => 201 + i);

/** One fault, chosen by the seed: a node isolated for a while, crashed and restarted, or its feed restarted. */
async function injectFault(c: RaftFeedCluster, rnd: () => number): Promise<void> {
  const id = NODES[Math.floor(rnd() * NODES.length)]!;
  const r = rnd();
  if (r < 0.4) {
    c.sim.network.isolate(id, NODES);
    await c.runFor(50 + rnd() * 400);
    c.sim.network.heal();
  } else if (r < 0.7) {
    c.sim.crash(id);
    await c.runFor(50 + rnd() * 400);
    await c.sim.startNode(id);
    await c.startFeed(id);
  } else {
    const feed = c.feeds.get(id)!;
    const stopped = feed.stop();
    await c.runFor(50 + rnd() * 200);
    await stopped;
    await feed.start();
  }
}

describe('RaftLeaderFeed under seeded faults (isolation, crashes, restarts)', () => {
  it('never two leaders with live leases, tokens increasing, and a leader again after', async () => {
    let leaderships = 0;
    for (const seed of seeds) {
      const c = cluster(seed);
      try {
        await c.start();
        for (let i = 0; i < 12; i++) {
          await injectFault(c, c.sim.random);
          await c.runFor(c.sim.random() * 300);
        }
        c.sim.network.heal();
        await c.waitForFeedLeader(5000);
        await c.runFor(500);
        expect(c.leaders).toHaveLength(1);
        leaderships += c.checker.leaderships;
        await c.stop();
      } catch (error) {
        if (error instanceof SimulationError) throw error;
        throw new SimulationError(
          String((error as Error).message ?? error),
          seed,
          `SEED={seed} pnpm vitest run ${FILE}`,
        );
      }
    }
    // The faults must have moved the leadership around, or the run proves nothing.
    expect(leaderships).toBeGreaterThan(seeds.length * 3);
  });
});
