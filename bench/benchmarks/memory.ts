/**
 * Memory under compaction: commits entries through the leader (closed loop) with the default
 * snapshotThreshold and measures heap used after a full GC at checkpoints (all proposals drained,
 * followers caught up). Flat means compaction keeps the log, the sessions and everything else bounded.
 * The heap covers the whole cluster (every node lives in this process). At each checkpoint the heap is
 * sampled `samples` times across one compaction cycle (snapshotThreshold more entries) and averaged, so
 * that the phase of the cycle does not masquerade as growth or shrinkage.
 */
import { DEFAULT_TUNING } from '@webraft/core';
import { closedLoop, type Member, startedCluster } from '../lib/cluster.js';
import { fullGc, hasGc, now, round, sleep } from '../lib/stats.js';
import type { CaseSpec, MemoryPoint, MemoryResult } from '../lib/types.js';

function logEntries(m: Member): number {
  const log = (m.raft.raftNode.protocol as unknown as { log?: { entries?: unknown[] } }).log;
  return log?.entries?.length ?? -1;
}

export async function runMemory(spec: CaseSpec): Promise<MemoryResult> {
  if (!hasGc()) throw new Error('the memory benchmark needs node --expose-gc');
  const inflight = spec.inflight ?? 1000;
  const entries = spec.ops ?? 1_000_000;
  const checkpoints = spec.checkpoints ?? 4;
  const { cluster, leader } = await startedCluster(spec.nodes);
  cluster.stopCounting();
  await fullGc();
  const baselineHeapUsed = process.memoryUsage().heapUsed;
  const points: MemoryPoint[] = [];
  const window = DEFAULT_TUNING.snapshotThreshold;
  const samples = spec.samples ?? 8;
  let committed = 0;
  let proposed = 0;
  let busy = 0;
  const propose = async (count: number) => {
    const t0 = now();
    await closedLoop(leader.raft, inflight, count, null);
    busy += now() - t0;
    proposed += count;
  };
  const heapNow = async () => {
    // Let the followers learn the last commit index and apply (a heartbeat carries it at the latest).
    const last = leader.raft.commitIndex;
    for (let i = 0; i < 100 && cluster.members.some((m) => m.raft.lastApplied < last); i++) await sleep(5);
    await fullGc();
    return process.memoryUsage().heapUsed;
  };
  for (let c = 1; c <= checkpoints; c++) {
    const target = Math.round((entries * c) / checkpoints);
    await propose(target - committed);
    committed = target;
    // Where a checkpoint falls in the compaction cycle decides how many entries are held since the last
    // snapshot (0 to snapshotThreshold per node): sample evenly across one whole cycle and average.
    const heaps: number[] = [];
    const stored: number[] = [];
    let first: Pick<MemoryPoint, 'storedEntries' | 'logEntries'> | null = null;
    for (let k = 0; k < samples; k++) {
      if (k > 0) await propose(Math.round(window / samples));
      heaps.push(await heapNow());
      stored.push(leader.storage.entryCount);
      first ??= {
        storedEntries: cluster.members.map((m) => m.storage.entryCount),
        logEntries: cluster.members.map(logEntries),
      };
    }
    points.push({
      entries: committed,
      heapUsed: Math.round(heaps.reduce((a, b) => a + b, 0) / heaps.length),
      heapMin: Math.min(...heaps),
      heapMax: Math.max(...heaps),
      leaderStoredRange: [Math.min(...stored), Math.max(...stored)],
      ...first!,
    });
  }
  await cluster.stop();
  const first = points[0]!.heapUsed;
  const last = points[points.length - 1]!.heapUsed;
  return {
    name: spec.name,
    kind: 'memory',
    nodes: spec.nodes,
    inflight,
    entries,
    snapshotThreshold: DEFAULT_TUNING.snapshotThreshold,
    baselineHeapUsed,
    points,
    growth: round((last - first) / first, 4),
    opsPerSec: round(proposed / (busy / 1000)),
  };
}
