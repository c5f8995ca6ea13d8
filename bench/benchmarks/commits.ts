/**
 * Commit throughput and latency on the leader: a closed loop keeps `inflight` proposals outstanding
 * (a new propose() as each one resolves) and records the time from each propose() call to its
 * resolution (committed on a majority and applied on the leader).
 */
import { COMMAND, startedCluster } from '../lib/cluster.js';
import { measureClosedLoop, throughputFigures } from '../lib/measure.js';
import { round } from '../lib/stats.js';
import type { CaseSpec, ThroughputResult } from '../lib/types.js';

export async function runCommits(spec: CaseSpec): Promise<ThroughputResult> {
  const inflight = spec.inflight ?? 1;
  const ops = spec.ops ?? 20_000;
  const delivery = spec.delivery ?? 'batched';
  const { cluster, leader } = await startedCluster(spec.nodes, {}, delivery);

  const latencies = new Float64Array(ops);
  const indexes = new Float64Array(ops);
  const propose = (i: number) =>
    leader.raft.propose(COMMAND).then((result) => {
      indexes[i] = result.index;
    });
  const m = await measureClosedLoop(spec, cluster, leader, propose, latencies);
  const { seconds, cpuSeconds, messages, persists, messageMix, persistMix, loopMix } = m;

  const order = Array.from(latencies.keys()).sort((a, b) => latencies[b]! - latencies[a]!);
  const slowest = order.slice(0, 5).map((i) => ({ us: round(latencies[i]! * 1000), index: indexes[i]! }));
  if (leader.raft.state !== 'leader') throw new Error('leadership changed during the run');
  await cluster.stop();
  return {
    name: spec.name,
    kind: 'commits',
    nodes: spec.nodes,
    delivery,
    inflight,
    ...throughputFigures(ops, { seconds, cpuSeconds }, latencies, messages),
    persistsPerOp: round(persists / ops, 3),
    slowest,
    messageMix,
    persistMix,
    loopMix,
  };
}
