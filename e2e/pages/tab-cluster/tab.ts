/**
 * A tab of a tab cluster (`?cluster=<name>`, optional `memberTimeout`, `heartbeatTimeout` in ms), on the
 * real BroadcastChannel, IndexedDB, localStorage and Web Locks: it claims its identity, starts its node
 * with `startTabCluster` over a counter of applied commands, and exposes what the spec asks about as `window.tc`.
 * With `?marks=1` (the failover benchmark, bench/browser/tab-failover.ts) it also records when things
 * happened (`tc.marks`, see failover-marks.ts).
 */
import { ProposalRefusedError } from '@webraft/core';
import { IndexedDbStorage } from '@webraft/storage-indexeddb';
import { claimTabIdentity, startTabCluster } from '@webraft/tab';
import { BroadcastChannelTransport } from '@webraft/transport-broadcastchannel';
import { Counter } from '../bench-node.js';
import { FailoverMarks, livenessWatchers } from './failover-marks.js';

const params = new URLSearchParams(location.search);
const cluster = params.get('cluster') ?? 'e2e';
const namespace = `tab-cluster-e2e-${cluster}`;
const number = (name: string) => (params.has(name) ? Number(params.get(name)) : undefined);
const heartbeatTimeout = number('heartbeatTimeout');
const hasData = (id: string) => IndexedDbStorage.hasData(id, { namespace });
const counters = new Map<string, Counter>();
const removed: string[] = [];
// Before the cluster starts: its `pagehide` time is then taken before the handoff runs.
const marks = params.get('marks') === '1' ? new FailoverMarks(cluster) : null;

const identity = await claimTabIdentity({ cluster, namespace, hasData });
const tab = await startTabCluster({
  cluster,
  namespace,
  identity,
  transport: () => new BroadcastChannelTransport({ cluster: `${namespace}/${cluster}` }),
  storage: (held) => new IndexedDbStorage(held.id, { namespace, usage: held.usage }),
  hasData,
  stateMachine: (id) => {
    const counter = new Counter();
    counters.set(id, counter);
    return counter;
  },
  raftOptions: {
    ...(params.has('memberTimeout') ? { memberTimeout: number('memberTimeout') } : {}),
    ...(heartbeatTimeout
      ? { heartbeatTimeout, electionTimeoutMin: heartbeatTimeout, electionTimeoutMax: 2 * heartbeatTimeout }
      : {}),
  },
  onRemoved: (node) => removed.push(node.address),
});
marks?.watch(tab.node);
/** The terms in which this tab's own node led: across tabs, no term may appear twice (election safety). */
const ledTerms: number[] = [];
tab.node.listen('leader', () => ledTerms.push(tab.node.term));

/** Refusals that say "not now" (a leadership transfer under way, no leader yet): nothing was applied. */
const RETRY_CODES = new Set(['TRANSFERRING', 'NO_LEADER', 'NOT_LEADER']);

/**
 * Proposes a command through this tab's own node; resolves with the count of commands the cluster
 * applied, once it is committed and applied here. Like an app, it proposes again after a refusal that
 * is safe to retry, for up to 5 s.
 */
async function propose(): Promise<unknown> {
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      return (await tab.node.propose('count', { timeoutMs: Math.max(1, deadline - Date.now()) })).result;
    } catch (error) {
      const retry = error instanceof ProposalRefusedError && RETRY_CODES.has(error.code);
      if (!retry || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10)); // a turn for the new leader to be heard
    }
  }
}

(window as unknown as { tc: unknown }).tc = {
  id: identity.id,
  /** Every node this tab runs (its own first), as the spec reads them. */
  nodes: () =>
    tab.nodes.map((node) => ({
      id: node.address,
      state: node.state,
      term: node.term,
      leader: node.leader,
      clusterId: node.clusterId,
      voters: [...node.members.voters].sort(),
      learners: [...node.members.learners].sort(),
      commitIndex: node.commitIndex,
    })),
  whenMember: () => tab.whenMember(),
  propose,
  value: () => counters.get(identity.id)?.n,
  removed,
  ledTerms: () => [...ledTerms],
  marks: () => marks?.read(),
  commitAfter: (term: number) => marks?.commitAfter(term),
  watchers: livenessWatchers,
  /** The `visibilitychange` path: headless Chromium never hides a page, so the page says it is hidden. */
  hide: () => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    document.dispatchEvent(new Event('visibilitychange'));
  },
};
document.body.dataset.ready = 'true';
