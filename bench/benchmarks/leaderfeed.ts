/**
 * `pnpm bench --only leaderfeed-node`: @webraft/leaderfeed's Node backends, 3 feeds each, default timing:
 * - `RedisLeaderFeed` on a real redis-server started on a loopback port (`@webraft/server/testing`), one
 *   ioredis client per feed (heartbeat 100 ms, lease and election timeout 300 to 600 ms);
 * - `RaftLeaderFeed` on 3 in-process Raft nodes over the core's MemoryNetwork (the feed follows the node:
 *   heartbeat 100 ms, lease 200 ms, election timeout 200 to 400 ms).
 * Per backend, `trials` failovers of each kind, timed from the act to another feed leading under a larger token:
 * - graceful: the leader's `stop()` (Redis: it resigns; Raft: it transfers the Raft leadership); it starts again;
 * - crash: the leader gone without resigning (Redis: both its connections dropped, so it heartbeats no
 *   more and Redis forgets it by the key's expiry; Raft: its node crashed and its transport closed, on a
 *   fresh cluster per trial);
 * - idle load over 3 s while one feed leads: Redis commands/s (INFO commandstats, after CONFIG RESETSTAT),
 *   Raft messages/s (every message the nodes wrote).
 * Beside them, floors measured in the same run: a Redis PING round trip, and a MemoryNetwork message round trip.
 */
import { MemoryNetwork, type MessageSink, type NodeInstance, type RaftInterface } from '@webraft/core';
import { type LeaderFeed, RaftLeaderFeed, RedisLeaderFeed } from '@webraft/leaderfeed';
import { startRedis } from '@webraft/server/testing';
import { Redis } from 'ioredis';
import { makeCluster, withTimeout } from '../lib/cluster.js';
import { fmtInt, fmtMs, median, now, round, sleep, trialsOf } from '../lib/stats.js';
import type { BrowserResult, CaseSpec, TableRow } from '../lib/types.js';

export function leaderFeedNodeCases(quick: boolean): CaseSpec[] {
  return [{ name: 'leaderfeed-node', kind: 'leaderfeed', nodes: 3, trials: quick ? 5 : 20 }];
}

const IDLE_MS = 3000;

/** The feeds' timing, given explicitly so the crash target can name it: the package's defaults. */
interface Timing {
  heartbeatIntervalMs: number;
  electionTimeoutMinMs: number;
  electionTimeoutMaxMs: number;
}
const REDIS_TIMING: Timing = {
  heartbeatIntervalMs: 100,
  electionTimeoutMinMs: 300,
  electionTimeoutMaxMs: 600,
};
/** A RaftLeaderFeed's defaults follow its node: heartbeat = heartbeatFrequency, lease = heartbeatTimeout. */
const raftTiming = (raft: RaftInterface): Timing => ({
  heartbeatIntervalMs: raft.heartbeatFrequency,
  electionTimeoutMinMs: raft.heartbeatTimeout,
  electionTimeoutMaxMs: 2 * raft.heartbeatTimeout,
});
/** The crash target: within the longest election timeout and one heartbeat. */
const crashTargetMs = (t: Timing) => t.electionTimeoutMaxMs + t.heartbeatIntervalMs;
const FLOOR_ROUND_TRIPS = 200;

/** Resolves with the first of `feeds` to lead under a token larger than `after`, and when it did. */
function leaderAfter<F extends LeaderFeed>(feeds: readonly F[], after: number) {
  const current = feeds.find((f) => f.isLeader && f.token! > after);
  if (current) return Promise.resolve({ feed: current, token: current.token!, at: now() });
  return withTimeout(
    new Promise<{ feed: F; token: number; at: number }>((resolve) => {
      const offs = feeds.map((feed) =>
        feed.on('new state', (state, token) => {
          if (state !== 'leader' || token! <= after) return;
          const at = now();
          for (const off of offs) off();
          resolve({ feed, token: token!, at });
        }),
      );
    }),
    10_000,
    `no feed led after token ${after} within 10 s`,
  );
}

/** Graceful trials on one set of feeds: stop the leader, time the next one, start it again. */
async function gracefulTrials<F extends LeaderFeed>(
  feeds: readonly F[],
  trials: number,
  restart: (feed: F) => Promise<unknown>,
): Promise<number[]> {
  const samples: number[] = [];
  for (let t = 0; t < trials; t++) {
    const leader = await leaderAfter(feeds, 0);
    const next = leaderAfter(
      feeds.filter((f) => f !== leader.feed),
      leader.token,
    );
    const stoppedAt = now();
    await leader.feed.stop();
    samples.push((await next).at - stoppedAt);
    await restart(leader.feed);
  }
  return samples;
}

// ------------------------------------------------------------------ Redis

/** A client whose errors (a connection dropped on purpose) are expected. */
function redisClient(url: string): Redis {
  const client = new Redis(url);
  client.on('error', () => {});
  return client;
}

/** Median of `n` PING round trips through ioredis. */
async function pingFloor(client: Redis, n: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = now();
    await client.ping();
    samples.push(now() - t0);
  }
  return median(samples);
}

/** Commands Redis ran since the last CONFIG RESETSTAT, by command (from INFO commandstats). */
async function commandCalls(admin: Redis): Promise<Record<string, number>> {
  const info = await admin.info('commandstats');
  const calls: Record<string, number> = {};
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls[match[1]!] = Number(match[2]);
  return calls;
}

async function runRedis(trials: number) {
  const redis = await startRedis();
  const admin = redisClient(redis.url);
  const channel = 'bench-leaderfeed';
  let seq = 0;
  const newFeed = async () => {
    const feed = new RedisLeaderFeed(redisClient(redis.url), { id: `worker${++seq}`, ...REDIS_TIMING });
    await feed.start({ channel });
    return feed;
  };
  const feeds: RedisLeaderFeed[] = [];
  try {
    for (let i = 0; i < 3; i++) feeds.push(await newFeed());
    await leaderAfter(feeds, 0);

    // Idle load: what one leader and two followers ask of Redis (INFO and CONFIG are the bench's own).
    await admin.config('RESETSTAT');
    const idleStart = now();
    await sleep(IDLE_MS);
    const calls = await commandCalls(admin);
    const idleSeconds = (now() - idleStart) / 1000;
    const feedCalls = Object.fromEntries(
      Object.entries(calls).filter(([name]) => !name.startsWith('info') && !name.startsWith('config')),
    );
    const commandsPerSec = Object.values(feedCalls).reduce((a, b) => a + b, 0) / idleSeconds;
    const clientCommandsPerSec = ((feedCalls.eval ?? 0) + (feedCalls.evalsha ?? 0)) / idleSeconds;

    const floorRttMs = await pingFloor(admin, FLOOR_ROUND_TRIPS);

    const graceful = await gracefulTrials(feeds, trials, (feed) => feed.start({ channel }));

    const crash: number[] = [];
    for (let t = 0; t < trials; t++) {
      const leader = await leaderAfter(feeds, 0);
      await sleep(Math.random() * 100); // the crash at any phase of the heartbeat cycle
      const rest = feeds.filter((f) => f !== leader.feed);
      const next = leaderAfter(rest, leader.feed.token ?? leader.token);
      const crashedAt = now();
      (leader.feed.pub as Redis).disconnect();
      (leader.feed.subscriber as unknown as Redis | undefined)?.disconnect();
      crash.push((await next).at - crashedAt);
      await leader.feed.stop().catch(() => {});
      feeds.splice(feeds.indexOf(leader.feed), 1, await newFeed());
    }
    return {
      floorRttMs: round(floorRttMs, 3),
      commandsPerSec: round(commandsPerSec, 1),
      clientCommandsPerSec: round(clientCommandsPerSec, 1),
      idleCalls: feedCalls,
      graceful: trialsOf(graceful.map((s) => round(s, 1))),
      crash: trialsOf(crash.map((s) => round(s, 1))),
      timing: REDIS_TIMING,
    };
  } finally {
    await Promise.all(feeds.map((f) => f.stop().catch(() => {})));
    for (const f of feeds) (f.pub as Redis).disconnect();
    admin.disconnect();
    await redis.stop();
  }
}

// ------------------------------------------------------------------ Raft

/** Median of `n` round trips of one small message between two MemoryNetwork transports. */
async function memoryRoundTripFloor(n: number): Promise<number> {
  const network = new MemoryNetwork();
  const a = network.transport('a');
  const b = network.transport('b');
  let back: NodeInstance | null = null;
  const echo: MessageSink = {
    address: 'b',
    gotData(from, payload) {
      back ??= b.createInstance(from);
      back.write(payload);
    },
  };
  let answered: () => void = () => {};
  const sink: MessageSink = { address: 'a', gotData: () => answered() };
  await b.open(echo);
  await a.open(sink);
  const toB = a.createInstance('b');
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = now();
    await new Promise<void>((resolve) => {
      answered = resolve;
      toB.write({ type: 'ping', from: 'a', to: 'b', term: 1, seq: i });
    });
    samples.push(now() - t0);
  }
  a.close();
  b.close();
  return median(samples);
}

/** A 3-node cluster over MemoryNetwork with a feed on every node, a feed leading. */
async function raftFeeds() {
  const cluster = makeCluster(3);
  await cluster.start();
  const feeds = cluster.members.map((m) => new RaftLeaderFeed(m.raft, raftTiming(m.raft)));
  await Promise.all(feeds.map((f) => f.start()));
  await leaderAfter(feeds, 0);
  return { cluster, feeds };
}

async function stopRaftFeeds({ cluster, feeds }: Awaited<ReturnType<typeof raftFeeds>>): Promise<void> {
  await Promise.all(feeds.map((f) => withTimeout(f.stop(), 5000, 'feed stop').catch(() => {})));
  await cluster.stop();
}

async function runRaft(trials: number) {
  const floorRttMs = await memoryRoundTripFloor(FLOOR_ROUND_TRIPS);

  const steady = await raftFeeds();
  const timing = raftTiming(steady.cluster.members[0]!.raft);
  const total = () => [...steady.cluster.messages.values()].reduce((a, b) => a + b, 0);
  const before = total();
  const idleStart = now();
  await sleep(IDLE_MS);
  const messagesPerSec = ((total() - before) * 1000) / (now() - idleStart);
  const graceful = await gracefulTrials(steady.feeds, trials, (feed) => feed.start());
  await stopRaftFeeds(steady);

  const crash: number[] = [];
  for (let t = 0; t < trials; t++) {
    const run = await raftFeeds();
    const leader = await leaderAfter(run.feeds, 0);
    await sleep(Math.random() * timing.heartbeatIntervalMs); // the crash at any phase of the heartbeat cycle
    const member = run.cluster.members[run.feeds.indexOf(leader.feed)]!;
    const next = leaderAfter(
      run.feeds.filter((f) => f !== leader.feed),
      leader.token,
    );
    const crashedAt = now();
    member.raft.raftNode.crash();
    member.transport.close();
    crash.push((await next).at - crashedAt);
    await stopRaftFeeds(run);
  }
  return {
    floorRttMs: round(floorRttMs, 3),
    messagesPerSec: round(messagesPerSec, 1),
    graceful: trialsOf(graceful.map((s) => round(s, 1))),
    crash: trialsOf(crash.map((s) => round(s, 1))),
    timing,
  };
}

// ------------------------------------------------------------------ the case

type Trials = { medianMs: number; maxMs: number };

/** A backend's graceful and crash failover rows, the crash against its target (max heartbeat timeout + one heartbeat). */
function failoverRows(
  backend: string,
  trials: number,
  result: { graceful: Trials; crash: Trials; timing: Parameters<typeof crashTargetMs>[0] },
  floor: string,
): TableRow[] {
  const target = crashTargetMs(result.timing);
  const row = (kind: string, t: Trials) => ({
    benchmark: `leaderfeed ${backend}, ${kind} failover (${trials} trials)`,
    figure: `median ${fmtMs(t.medianMs)}, max ${fmtMs(t.maxMs)}`,
    floor,
  });
  return [
    { ...row('graceful', result.graceful), target: '-', met: null },
    { ...row('crash', result.crash), target: `max <= ${target} ms`, met: result.crash.maxMs <= target },
  ];
}

const idleRow = (backend: string, figure: string): TableRow => ({
  benchmark: `leaderfeed ${backend}, idle load`,
  figure,
  floor: '-',
  target: '-',
  met: null,
});

export async function runLeaderFeedNode(spec: CaseSpec): Promise<BrowserResult> {
  const trials = spec.trials ?? 20;
  const redis = await runRedis(trials);
  const raft = await runRaft(trials);
  const rows: TableRow[] = [
    ...failoverRows('Redis 3 feeds', trials, redis, `PING round trip ${fmtMs(redis.floorRttMs)}`),
    idleRow(
      'Redis 3 feeds',
      `${fmtInt(redis.commandsPerSec)} commands/s (${fmtInt(redis.clientCommandsPerSec)} EVAL/s from clients)`,
    ),
    ...failoverRows('Raft 3 nodes', trials, raft, `MemoryNetwork round trip ${fmtMs(raft.floorRttMs)}`),
    idleRow('Raft 3 nodes', `${fmtInt(raft.messagesPerSec)} messages/s`),
  ];
  const details = [
    `leaderfeed-node redis: graceful ${redis.graceful.samples.join(' ')} ms; crash ${redis.crash.samples.join(' ')} ms; idle commands ${JSON.stringify(redis.idleCalls)} over ${IDLE_MS} ms`,
    `leaderfeed-node raft: graceful ${raft.graceful.samples.join(' ')} ms; crash ${raft.crash.samples.join(' ')} ms`,
  ];
  return { name: spec.name, kind: 'leaderfeed', nodes: 3, rows, details, figures: { redis, raft } };
}
