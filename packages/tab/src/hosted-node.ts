import {
  RaftInterface,
  type RaftOptions,
  type RaftStorage,
  type StateMachine,
  type Transport,
} from '@webraft/core';
import type { ClusterRecord } from './cluster-record.js';
import type { TabIdentity } from './identity.js';
import { LeaderWatch } from './leader-watch.js';
import { type HeldLock, holdLock, tryHoldLock } from './lock.js';
import type { IdentityNames } from './names.js';

/** How a node of the tab cluster is made: what the app injects (`startTabCluster` options). */
export interface NodeFactories {
  /** A new transport for a node id (one per node: a node's transport is closed when it stops). */
  transport: (id: string) => Transport;
  /** The node's durable storage, e.g. `new IndexedDbStorage(identity.id, { namespace, usage: identity.usage })`. */
  storage: (identity: TabIdentity) => RaftStorage;
  /** A state machine for a node id (each hosted node has its own). */
  stateMachine: (id: string) => StateMachine;
  /** Further options of every node (timings, `memberTimeout`, ...). */
  raftOptions: RaftOptions;
}

/** How a node starts: bootstrap alone, join a known cluster (or, without an id, the first to add it), or restart from storage. */
export type StartPlan =
  | { kind: 'bootstrap'; clusterToken: string }
  | { kind: 'join'; clusterId: string | undefined }
  | { kind: 'restart' };

/**
 * The options that start `id` by `plan`. A restart gives no `peers`, so the stored cluster id is used,
 * except for the founder: the core keeps the bootstrap configuration out of the log, so a founder
 * that nobody joined yet needs `peers: [founder]` again to know it is the one voter (with the
 * record's `clusterId` pinned, the same id its storage holds).
 */
export function planOptions(id: string, plan: StartPlan, record: ClusterRecord | null): RaftOptions {
  if (plan.kind === 'bootstrap') return { peers: [id], clusterToken: plan.clusterToken };
  if (plan.kind === 'join') return plan.clusterId === undefined ? {} : { clusterId: plan.clusterId };
  if (record?.founder === id) return { peers: [id], clusterId: record.clusterId };
  return {};
}

/** One node this tab runs: its identity, its `RaftInterface`, and who its transport sees present. */
export class HostedNode {
  readonly raft: RaftInterface;
  /** Peers this node's transport reports present (`onPeer` minus `onPeerGone`). */
  readonly present = new Set<string>();
  readonly #unsubscribe: (() => void)[] = [];
  #memberLock: HeldLock | null = null;
  #livenessLock: HeldLock | null = null;
  #leaderWatch: LeaderWatch | null = null;

  constructor(
    readonly identity: TabIdentity,
    /** True for an identity this package adopted (and so lets go when the node stops). */
    readonly adopted: boolean,
    factories: NodeFactories,
    options: RaftOptions,
    onPresenceChange: (node: HostedNode, id: string, present: boolean) => void,
  ) {
    const transport = factories.transport(identity.id);
    // Subscribed before the transport opens, so no answer to this node's hello is missed.
    const onPeer = transport.onPeer?.((peer) => {
      this.present.add(peer);
      onPresenceChange(this, peer, true);
    });
    const onGone = transport.onPeerGone?.((peer) => {
      this.present.delete(peer);
      onPresenceChange(this, peer, false);
    });
    if (onPeer) this.#unsubscribe.push(onPeer);
    if (onGone) this.#unsubscribe.push(onGone);
    this.raft = new RaftInterface(identity.id, {
      ...factories.raftOptions,
      ...options,
      transport,
      storage: factories.storage(identity),
      stateMachine: factories.stateMachine(identity.id),
    });
  }

  get id(): string {
    return this.identity.id;
  }

  /** Voters and learners of the latest configuration this node knows. */
  isMember(id: string): boolean {
    const { voters, learners } = this.raft.members;
    return voters.includes(id) || learners.includes(id);
  }

  /**
   * Before the node starts (so before it can lead): holds its liveness lock, and watches the liveness
   * lock of each leader it follows (leader-watch.ts). Let go once the node has stopped.
   */
  async watchLiveness(locks: LockManager, names: IdentityNames): Promise<void> {
    this.#livenessLock ??= await holdLock(locks, names.livenessLock(this.id));
    this.#leaderWatch ??= new LeaderWatch(this.raft, locks, names);
  }

  /**
   * Once started with a known cluster id: holds the member lock naming it, so that tabs forming now
   * see a live cluster of that id (member-locks.ts). Let go when the node stops.
   */
  async holdMemberLock(locks: LockManager, names: IdentityNames): Promise<void> {
    const clusterId = this.raft.clusterId;
    if (clusterId === null || this.#memberLock) return;
    this.#memberLock = await tryHoldLock(locks, names.memberLock(clusterId, this.id));
  }

  async stop(): Promise<void> {
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
    this.#leaderWatch?.stop();
    this.#leaderWatch = null;
    await this.raft.stop();
    await this.#memberLock?.release();
    this.#memberLock = null;
    await this.#livenessLock?.release();
    this.#livenessLock = null;
    if (this.adopted) await this.identity.release();
  }
}
