import { MemoryNetwork, MemoryStorage, type RaftInterface } from '@webraft/core';
import { RecordingStateMachine } from '@webraft/core/testing';
import type { TabIdentity } from '../src/identity.js';
import { claimTabIdentity, startTabCluster, type TabCluster, type TabClusterOptions } from '../src/index.js';
import { Origin, type Tab } from './helpers.js';

/** A command for the nodes' `RecordingStateMachine`: `propose` resolves with how many were applied. */
export const command = () => ({ id: crypto.randomUUID() });

/** A `document` stand-in: its `visibilityState` is set by the test, which then dispatches the event. */
export class Visibility extends EventTarget {
  visibilityState: DocumentVisibilityState = 'visible';
  hide(): void {
    this.visibilityState = 'hidden';
    this.dispatchEvent(new Event('visibilitychange'));
  }
}

/** Fast timings: the tests wait on events, and these keep elections short. */
export const FAST = {
  heartbeatFrequency: 20,
  heartbeatTimeout: 80,
  electionTimeoutMin: 60,
  electionTimeoutMax: 120,
};

/**
 * One origin with tab clusters: shared localStorage and locks (`Origin`), one in-memory network for
 * the "BroadcastChannel", and one "disk" of node storages by id, which outlive the tabs.
 */
export class ClusterOrigin extends Origin {
  readonly network = new MemoryNetwork();
  readonly disk = new Map<string, MemoryStorage>();

  storage = (identity: TabIdentity): MemoryStorage => {
    let stored = this.disk.get(identity.id);
    if (!stored) {
      stored = new MemoryStorage();
      this.disk.set(identity.id, stored);
    }
    identity.usage.markUsed();
    return stored.reopen();
  };

  hasData = async (id: string): Promise<boolean> => {
    const stored = this.disk.get(id);
    if (!stored) return false;
    const { hardState, entries, snapshot } = await stored.reopen().load();
    return hardState.term > 0 || entries.length > 0 || snapshot !== null;
  };

  /** Opens a tab: claims its identity and starts its cluster node. */
  async open(tab: Tab = this.tab(), extra: Partial<TabClusterOptions> = {}): Promise<OpenTab> {
    const records = extra.records ?? this.records;
    const identity = await claimTabIdentity(tab.options({ hasData: this.hasData, records }));
    const visibility = new Visibility();
    const cluster = await startTabCluster({
      cluster: 'c1',
      identity,
      transport: (id) => this.network.transport(id),
      storage: this.storage,
      hasData: this.hasData,
      stateMachine: () => new RecordingStateMachine(() => undefined),
      raftOptions: FAST,
      joinTimeoutMs: 2000,
      growIntervalMs: 100,
      recoveryIntervalMs: 100,
      records,
      locks: this.locks,
      lifecycle: tab.lifecycle,
      visibility,
      ...extra,
    });
    return { tab, identity, cluster, visibility };
  }
}

export interface OpenTab {
  tab: Tab;
  identity: TabIdentity;
  cluster: TabCluster;
  visibility: Visibility;
}

/** Closes a tab: its nodes stop and its locks are freed (as the browser frees a closed tab's locks). */
export async function close(open: OpenTab): Promise<void> {
  await open.cluster.stop();
  await open.identity.release();
}

/** Resolves once `condition` holds, checked every few ms (the nodes' state is spread over many events). */
export async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Every running node of these tabs. */
export const allNodes = (tabs: OpenTab[]): RaftInterface[] => tabs.flatMap((t) => [...t.cluster.nodes]);

/** The leaders among `nodes`. */
export const leaders = (nodes: RaftInterface[]) => nodes.filter((node) => node.state === 'leader');

/**
 * Opens `count` tabs at once and waits until they formed: every node sees `count` voters, one leads.
 * Returns the tabs, their nodes, and the leader's tab.
 */
export async function openFormed(
  origin: ClusterOrigin,
  count: number,
  extra: Partial<TabClusterOptions> = {},
) {
  const tabs = await Promise.all(Array.from({ length: count }, () => origin.open(undefined, extra)));
  const nodes = allNodes(tabs);
  await until(
    () => nodes.every((n) => n.members.voters.length === count) && leaders(nodes).length === 1,
    `a leader of ${count}`,
  );
  const leaderTab = tabs.find((t) => t.cluster.node.state === 'leader') as OpenTab;
  return { tabs, nodes, leaderTab };
}
