/**
 * Read throughput and latency on the leader: a closed loop keeps `inflight` read() calls outstanding
 * (a new one as each resolves) and records the time from each read() call to its resolution (the read
 * index confirmed and applied on the leader). `readPolicy` is set on every node: `readIndex` (the
 * default) confirms leadership with a heartbeat round per read (thesis 6.4); `lease` serves reads from
 * the leader without one while its lease holds (thesis 6.4.1). The log is idle meanwhile (one entry
 * committed at start-up), so what is measured is the read path alone.
 */
import { startedCluster } from '../lib/cluster.js';
import { measureClosedLoop, throughputFigures } from '../lib/measure.js';
import { round } from '../lib/stats.js';
import type { CaseSpec, ThroughputResult } from '../lib/types.js';

export async function runReads(spec: CaseSpec): Promise<ThroughputResult> {
  const inflight = spec.inflight ?? 1;
  const ops = spec.ops ?? 20_000;
  const readPolicy = spec.readPolicy ?? 'readIndex';
  const delivery = spec.delivery ?? 'batched';
  const { cluster, leader } = await startedCluster(spec.nodes, { readPolicy }, delivery);
  const read = () => leader.raft.read();

  const latencies = new Float64Array(ops);
  const m = await measureClosedLoop(spec, cluster, leader, read, latencies);
  const { seconds, cpuSeconds, messages, persists, messageMix, persistMix, loopMix } = m;

  if (leader.raft.state !== 'leader') throw new Error('leadership changed during the run');
  await cluster.stop();
  return {
    name: spec.name,
    kind: 'reads',
    nodes: spec.nodes,
    delivery,
    readPolicy,
    inflight,
    ...throughputFigures(ops, { seconds, cpuSeconds }, latencies, messages),
    persistsPerOp: round(persists / ops, 3),
    messageMix,
    persistMix,
    loopMix,
  };
}
