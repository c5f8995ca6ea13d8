/**
 * Leadership transfer (thesis 3.10) on a warm cluster: `trials` times, call transferLeadership(target)
 * on the leader and time until its promise resolves (the old leader has heard from the target as the
 * new leader), and until the target's own `leader` event. Targets go round the cluster (n1 -> n2 ->
 * n3 -> n1 ...), so every node leads and hands over in turn. Between trials the new leader commits an
 * entry of its term and every node applies it, so that each transfer starts from a settled cluster
 * whose followers are up to date (the leader can send TimeoutNow at once). `warmup` untimed transfers
 * come first.
 */
import {
  type Cluster,
  COMMAND,
  closedLoop,
  everyTurnUntil,
  type Member,
  startedCluster,
} from '../lib/cluster.js';
import { startProfile } from '../lib/profile.js';
import { median, now, round } from '../lib/stats.js';
import type { CaseSpec, TransferResult } from '../lib/types.js';

/** The new leader commits an entry of its term, every node applies it, the network is idle. */
async function settle(cluster: Cluster, leader: Member): Promise<void> {
  await leader.raft.propose(COMMAND);
  const commit = leader.raft.commitIndex;
  await everyTurnUntil(
    () => cluster.members.every((m) => m.raft.lastApplied >= commit),
    5000,
    'the followers did not apply the new leader entry within 5 s',
  );
  await cluster.network.flushed();
}

export async function runTransfer(spec: CaseSpec): Promise<TransferResult> {
  const trials = spec.trials ?? 20;
  const warmupTransfers = spec.warmup ?? 0;
  const { cluster, leader: first } = await startedCluster(spec.nodes);
  cluster.stopCounting();
  await closedLoop(first.raft, 100, 5000, null);
  const { members } = cluster;

  let leader = first;
  const transferMs: number[] = [];
  const targetLeaderMs: number[] = [];
  const path: string[] = [];
  let stopProfile: (() => Promise<void>) | null = null;
  for (let t = 0; t < warmupTransfers + trials; t++) {
    await settle(cluster, leader);
    if (t === warmupTransfers && spec.profile) stopProfile = await startProfile(spec.profile);
    const target = members[(members.indexOf(leader) + 1) % members.length]!;
    let ledAt = Number.NaN;
    const unlisten = target.raft.listen('leader', () => {
      ledAt = now();
    });
    const t0 = now();
    await leader.raft.transferLeadership(target.id);
    const t1 = now();
    unlisten();
    if (target.raft.state !== 'leader')
      throw new Error(`transfer to ${target.id} resolved but ${target.id} is ${target.raft.state}`);
    if (t >= warmupTransfers) {
      transferMs.push(t1 - t0);
      targetLeaderMs.push(ledAt - t0);
      path.push(`${leader.id}->${target.id}`);
    }
    leader = target;
  }
  await stopProfile?.();
  await settle(cluster, leader);
  await cluster.stop();
  const r = (v: number) => round(v, 3);
  return {
    name: spec.name,
    kind: 'transfer',
    nodes: spec.nodes,
    trials,
    transferMs: transferMs.map(r),
    targetLeaderMs: targetLeaderMs.map(r),
    path,
    medianMs: r(median(transferMs)),
    maxMs: r(Math.max(...transferMs)),
    targetLeaderMedianMs: r(median(targetLeaderMs)),
  };
}
