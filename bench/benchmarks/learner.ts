/**
 * Learner catch-up: fill the log of a cluster up to index `warmup` (commit that many entries) (default snapshotThreshold, so the leader has
 * compacted its log and a new node needs its snapshot and then the log tail after it), start one more
 * node with `peers: []` (it waits to be added), call `join()` on the leader and time, from that call:
 * join() resolving, the snapshot landing in the new node's storage, the new node's lastApplied reaching
 * the leader's commit index (caught up), and the leader's configuration listing it as a voter
 * (promoted once caught up, thesis 4.2.1). Progress is checked on every turn of the event loop
 * (setImmediate), with no timers, so every figure is within one event-loop turn of the moment.
 */
import { DEFAULT_TUNING, MemoryStorage, RaftInterface } from '@webraft/core';
import { Counter, closedLoop, everyTurnUntil, perOp, startedCluster } from '../lib/cluster.js';
import { startProfile } from '../lib/profile.js';
import { fullGc, now, round } from '../lib/stats.js';
import type { CaseSpec, LearnerResult } from '../lib/types.js';

const NEW_NODE = 'd';

export async function runLearner(spec: CaseSpec): Promise<LearnerResult> {
  const entries = spec.warmup ?? 100_000;
  const { cluster, leader } = await startedCluster(spec.nodes);
  // The counting wrappers stay: they also count what the leader sends the new node (a few dozen
  // messages, each a large batch, so they cost nothing measurable here).
  // Fill the log up to index `entries` (the start-up entries count): with snapshots every
  // snapshotThreshold applied entries from the first command on, the leader's last snapshot then sits
  // a whole threshold (less the start-up entries) behind, so the new node gets it plus a long tail.
  const fill = entries - leader.raft.commitIndex;
  const t0fill = now();
  await closedLoop(leader.raft, spec.inflight ?? 1000, fill, null);
  const fillSeconds = (now() - t0fill) / 1000;
  // Followers catch up (the last commit index reaches them with the next append or heartbeat).
  const commitIndexAtJoin = leader.raft.commitIndex;
  await everyTurnUntil(
    () => cluster.members.every((m) => m.raft.lastApplied >= commitIndexAtJoin),
    10_000,
    'the followers did not catch up within 10 s',
  );

  const storage = new MemoryStorage();
  const raft = new RaftInterface(NEW_NODE, {
    peers: [],
    transport: cluster.network.transport(NEW_NODE),
    storage,
    stateMachine: new Counter(),
  });
  raft.listen('error', (error) => console.error(`[${NEW_NODE}] error event:`, error));
  await raft.start();
  await cluster.network.flushed();
  await fullGc();

  const messagesBefore = new Map(cluster.messages);
  const sentBefore = cluster.network.stats.sent;
  const stopProfile = spec.profile ? await startProfile(spec.profile) : null;
  let joinResolvedMs = Number.NaN;
  let snapshotInstalledMs = Number.NaN;
  let caughtUpMs = Number.NaN;
  let promotedMs = Number.NaN;
  let promotedOnNewNodeMs = Number.NaN;
  let snapshotIndex = 0;
  let caughtUpIndex = 0;
  let joinError: unknown = null;

  const t0 = now();
  leader.raft.join(NEW_NODE).then(
    () => {
      joinResolvedMs = now() - t0;
    },
    (error: unknown) => {
      joinError = error;
    },
  );
  await everyTurnUntil(
    () => {
      if (joinError !== null) throw joinError;
      const t = now() - t0;
      if (Number.isNaN(snapshotInstalledMs) && storage.snapshotIndex > 0) {
        snapshotInstalledMs = t;
        snapshotIndex = storage.snapshotIndex;
      }
      if (Number.isNaN(caughtUpMs)) {
        const applied = raft.lastApplied;
        if (applied > 0 && applied >= leader.raft.commitIndex) {
          caughtUpMs = t;
          caughtUpIndex = applied;
        }
      }
      if (Number.isNaN(promotedMs) && leader.raft.members.voters.includes(NEW_NODE)) promotedMs = t;
      if (Number.isNaN(promotedOnNewNodeMs) && raft.members.voters.includes(NEW_NODE))
        promotedOnNewNodeMs = t;
      return (
        !Number.isNaN(joinResolvedMs) &&
        !Number.isNaN(caughtUpMs) &&
        !Number.isNaN(promotedMs) &&
        !Number.isNaN(promotedOnNewNodeMs)
      );
    },
    60_000,
    `${NEW_NODE} did not join, catch up and get promoted within 60 s`,
  );
  await stopProfile?.();
  const messages = perOp(cluster.messages, messagesBefore, 1);
  messages['total (all nodes)'] = cluster.network.stats.sent - sentBefore;

  if (leader.raft.state !== 'leader') throw new Error('leadership changed during the run');
  await raft.stop();
  await cluster.stop();
  const r = (v: number) => round(v, 2);
  return {
    name: spec.name,
    kind: 'learner',
    nodes: spec.nodes,
    commitIndexAtJoin,
    snapshotThreshold: DEFAULT_TUNING.snapshotThreshold,
    snapshotIndex,
    tailEntries: caughtUpIndex - snapshotIndex,
    joinResolvedMs: r(joinResolvedMs),
    snapshotInstalledMs: r(snapshotInstalledMs),
    caughtUpMs: r(caughtUpMs),
    promotedMs: r(promotedMs),
    promotedOnNewNodeMs: r(promotedOnNewNodeMs),
    messages,
    fillOpsPerSec: round(fill / fillSeconds),
  };
}
