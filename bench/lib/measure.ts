/**
 * The measured phase every throughput case shares: wall-clock and CPU time of one run, with a CPU
 * profile around it when asked for.
 */
import type { Cluster, Member } from './cluster.js';
import { closedLoopOf, perOp } from './cluster.js';
import { startProfile } from './profile.js';
import { fullGc, now, round, summarizeMs } from './stats.js';
import type { CaseSpec } from './types.js';

export interface Timing {
  seconds: number;
  cpuSeconds: number;
}

/** Times `run` (wall clock and process CPU), profiling it when `profile` names a file. */
export async function timed(profile: string | undefined, run: () => Promise<void>): Promise<Timing> {
  const stopProfile = profile ? await startProfile(profile) : null;
  const cpu0 = process.cpuUsage();
  const t0 = now();
  await run();
  const seconds = (now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await stopProfile?.();
  return { seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

export interface ClusterMeasurement extends Timing {
  messages: number;
  persists: number;
  messageMix: Record<string, number>;
  persistMix: Record<string, number>;
  loopMix: Record<string, number>;
}

/**
 * Runs `op` in a closed loop on a started cluster: a warm-up whose first half counts messages and
 * storage writes by kind, a full GC, then `ops` measured calls (latencies into `latencies`).
 */
export async function measureClosedLoop(
  spec: CaseSpec,
  cluster: Cluster,
  leader: Member,
  op: (i: number) => Promise<unknown>,
  latencies: Float64Array,
): Promise<ClusterMeasurement> {
  const inflight = spec.inflight ?? 1;
  const warmup = spec.warmup ?? 0;
  const counted = Math.floor(warmup / 2);
  const messagesBefore = new Map(cluster.messages);
  const persistsBefore = new Map(cluster.persists);
  const loopBefore = new Map(cluster.loop);
  await closedLoopOf(op, inflight, counted, null);
  const messageMix = perOp(cluster.messages, messagesBefore, Math.max(1, counted));
  const persistMix = perOp(cluster.persists, persistsBefore, Math.max(1, counted));
  const loopMix = perOp(cluster.loop, loopBefore, Math.max(1, counted));
  cluster.stopCounting();
  await closedLoopOf(op, inflight, warmup - counted, null);
  await fullGc();

  const sentBefore = cluster.network.stats.sent;
  const persistsBeforeRun = leader.storage.persistCount;
  const timing = await timed(spec.profile, () => closedLoopOf(op, inflight, latencies.length, latencies));
  return {
    ...timing,
    messages: cluster.network.stats.sent - sentBefore,
    persists: leader.storage.persistCount - persistsBeforeRun,
    messageMix,
    persistMix,
    loopMix,
  };
}

/** The figures every throughput result reports, from one measured run. */
export function throughputFigures(ops: number, timing: Timing, latencies: Float64Array, messages: number) {
  return {
    ops,
    seconds: round(timing.seconds, 3),
    opsPerSec: round(ops / timing.seconds),
    cpuSeconds: round(timing.cpuSeconds, 3),
    opsPerCpuSec: round(ops / timing.cpuSeconds),
    latency: summarizeMs(latencies),
    messagesPerOp: round(messages / ops, 3),
  };
}
