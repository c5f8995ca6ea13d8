/**
 * Commit throughput and latency on the leader: a closed loop keeps `inflight` proposals outstanding
 * (a new propose() as each one resolves) and records the time from each propose() call to its
 * resolution (committed on a majority and applied on the leader).
 */
import { closedLoop, perOp, startedCluster } from '../lib/cluster.js';
import { startProfile } from '../lib/profile.js';
import { fullGc, now, round, summarizeMs } from '../lib/stats.js';
import type { CaseSpec, ThroughputResult } from '../lib/types.js';

export async function runCommits(spec: CaseSpec): Promise<ThroughputResult> {
  const inflight = spec.inflight ?? 1;
  const ops = spec.ops ?? 20_000;
  const { cluster, leader } = await startedCluster(spec.nodes);

  // Warm-up, first half counting messages and storage writes by kind, second half without the counters.
  const warmup = spec.warmup ?? 0;
  const counted = Math.floor(warmup / 2);
  const messagesBefore = new Map(cluster.messages);
  const persistsBefore = new Map(cluster.persists);
  await closedLoop(leader.raft, inflight, counted, null);
  const messageMix = perOp(cluster.messages, messagesBefore, counted);
  const persistMix = perOp(cluster.persists, persistsBefore, counted);
  cluster.stopCounting();
  await closedLoop(leader.raft, inflight, warmup - counted, null);
  const latencies = new Float64Array(ops);
  const indexes = new Float64Array(ops);
  await fullGc();

  const sentBefore = cluster.network.stats.sent;
  const leaderPersistsBefore = leader.storage.persistCount;
  const stopProfile = spec.profile ? await startProfile(spec.profile) : null;
  const cpu0 = process.cpuUsage();
  const t0 = now();
  await closedLoop(leader.raft, inflight, ops, latencies, indexes);
  const seconds = (now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  await stopProfile?.();
  const messages = cluster.network.stats.sent - sentBefore;
  const persists = leader.storage.persistCount - leaderPersistsBefore;

  const order = Array.from(latencies.keys()).sort((a, b) => latencies[b]! - latencies[a]!);
  const slowest = order.slice(0, 5).map((i) => ({ us: round(latencies[i]! * 1000), index: indexes[i]! }));
  if (leader.raft.state !== 'leader') throw new Error('leadership changed during the run');
  await cluster.stop();
  return {
    name: spec.name,
    kind: 'commits',
    nodes: spec.nodes,
    inflight,
    ops,
    seconds: round(seconds, 3),
    opsPerSec: round(ops / seconds),
    cpuSeconds: round(cpuSeconds, 3),
    opsPerCpuSec: round(ops / cpuSeconds),
    latency: summarizeMs(latencies),
    messagesPerOp: round(messages / ops, 3),
    persistsPerOp: round(persists / ops, 3),
    slowest,
    messageMix,
    persistMix,
  };
}
