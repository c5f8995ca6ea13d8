/**
 * Read throughput and latency on the leader: a closed loop keeps `inflight` read() calls outstanding
 * (a new one as each resolves) and records the time from each read() call to its resolution (the read
 * index confirmed and applied on the leader). `readPolicy` is set on every node: `readIndex` (the
 * default) confirms leadership with a heartbeat round per read (thesis 6.4); `lease` serves reads from
 * the leader without one while its lease holds (thesis 6.4.1). The log is idle meanwhile (one entry
 * committed at start-up), so what is measured is the read path alone.
 */
import { closedLoopOf, perOp, startedCluster } from '../lib/cluster.js';
import { startProfile } from '../lib/profile.js';
import { fullGc, now, round, summarizeMs } from '../lib/stats.js';
import type { CaseSpec, ThroughputResult } from '../lib/types.js';

export async function runReads(spec: CaseSpec): Promise<ThroughputResult> {
  const inflight = spec.inflight ?? 1;
  const ops = spec.ops ?? 20_000;
  const readPolicy = spec.readPolicy ?? 'readIndex';
  const { cluster, leader } = await startedCluster(spec.nodes, { readPolicy });
  const read = () => leader.raft.read();

  // Warm-up, first half counting messages and storage writes by kind, second half without the counters.
  const warmup = spec.warmup ?? 0;
  const counted = Math.floor(warmup / 2);
  const messagesBefore = new Map(cluster.messages);
  const persistsBefore = new Map(cluster.persists);
  await closedLoopOf(read, inflight, counted, null);
  const messageMix = perOp(cluster.messages, messagesBefore, Math.max(1, counted));
  const persistMix = perOp(cluster.persists, persistsBefore, Math.max(1, counted));
  cluster.stopCounting();
  await closedLoopOf(read, inflight, warmup - counted, null);
  const latencies = new Float64Array(ops);
  await fullGc();

  const sentBefore = cluster.network.stats.sent;
  const leaderPersistsBefore = leader.storage.persistCount;
  const stopProfile = spec.profile ? await startProfile(spec.profile) : null;
  const cpu0 = process.cpuUsage();
  const t0 = now();
  await closedLoopOf(read, inflight, ops, latencies);
  const seconds = (now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  await stopProfile?.();
  const messages = cluster.network.stats.sent - sentBefore;
  const persists = leader.storage.persistCount - leaderPersistsBefore;

  if (leader.raft.state !== 'leader') throw new Error('leadership changed during the run');
  await cluster.stop();
  return {
    name: spec.name,
    kind: 'reads',
    nodes: spec.nodes,
    readPolicy,
    inflight,
    ops,
    seconds: round(seconds, 3),
    opsPerSec: round(ops / seconds),
    cpuSeconds: round(cpuSeconds, 3),
    opsPerCpuSec: round(ops / cpuSeconds),
    latency: summarizeMs(latencies),
    messagesPerOp: round(messages / ops, 3),
    persistsPerOp: round(persists / ops, 3),
    messageMix,
    persistMix,
  };
}
