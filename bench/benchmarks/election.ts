/**
 * Elections with the default timeouts (the RaftInterface getters are not overridden). Each trial:
 * 1. cold start: start every node of a fresh cluster, time until the first `leader` event;
 * 2. failover: commit an entry, wait a random part of a heartbeat interval (so the crash falls at any
 *    phase of the heartbeat cycle), crash the leader (its RaftNode halts and its transport closes, so it
 *    sends and receives nothing), time until another node reports `leader`.
 */
import { COMMAND, type Member, makeCluster, withTimeout } from '../lib/cluster.js';
import { median, now, round, sleep } from '../lib/stats.js';
import type { CaseSpec, ElectionResult } from '../lib/types.js';

export async function runElection(spec: CaseSpec): Promise<ElectionResult> {
  const trials = spec.trials ?? 20;
  const electionMs: number[] = [];
  const failoverMs: number[] = [];
  for (let t = 0; t < trials; t++) {
    const cluster = makeCluster(spec.nodes);
    const t0 = now();
    await cluster.start();
    const leader = await withTimeout(cluster.firstLeader, 10_000, 'no leader within 10 s of a cold start');
    electionMs.push(now() - t0);

    await leader.raft.propose(COMMAND);
    await sleep(Math.random() * 100);

    const others = cluster.members.filter((m) => m !== leader);
    const next = new Promise<Member>((resolve) => {
      for (const m of others) m.raft.listen('leader', () => resolve(m));
    });
    const t1 = now();
    leader.raft.raftNode.crash();
    leader.transport.close();
    await withTimeout(next, 10_000, 'no new leader within 10 s of the crash');
    failoverMs.push(now() - t1);
    await cluster.stop();
  }
  const r = (v: number) => round(v, 1);
  return {
    name: spec.name,
    kind: 'election',
    nodes: spec.nodes,
    trials,
    electionMs: electionMs.map(r),
    failoverMs: failoverMs.map(r),
    electionMedianMs: r(median(electionMs)),
    electionMaxMs: r(Math.max(...electionMs)),
    failoverMedianMs: r(median(failoverMs)),
    failoverMaxMs: r(Math.max(...failoverMs)),
  };
}
