import {
  ConfigurationError,
  type RaftInterface,
  type RaftOptions,
  type RaftStorage,
  type StateMachine,
  type Transport,
} from '@webraft/core';
import { readClusterRecord, writeClusterRecord } from './cluster-record.js';
import { resolveRecordsAndLocks } from './environment.js';
import { withFormationLock } from './formation-lock.js';
import { Grower } from './grow.js';
import { Handoff, type VisibilitySource } from './handoff.js';
import { HostedNode, type NodeFactories, planOptions, type StartPlan } from './hosted-node.js';
import type { TabIdentity } from './identity.js';
import { liveClusterIds } from './member-locks.js';
import { IdentityNames } from './names.js';
import { adoptUntilQuorum } from './recover.js';

/**
 * The default `memberTimeout` of a tab cluster's nodes: 30 s. A closed or crashed tab is removed from
 * the configuration that long after it went silent, so the quorum stops counting it. Well above what a
 * live tab's silence lasts: a hidden tab's timers are throttled, but messages still reach it and it
 * answers them; and a tab that was removed anyway (frozen, say) is added back by the leader when it
 * is heard again, with its own durable log, which is safe.
 */
export const TAB_MEMBER_TIMEOUT_MS = 30_000;

/** Options of `startTabCluster`. */
export interface TabClusterOptions {
  /** The cluster's name: the same as the identity's (`claimTabIdentity`). */
  cluster: string;
  /** The identity's namespace, if it has one. */
  namespace?: string;
  /** This tab's identity (`claimTabIdentity`). The app keeps owning it; adopted ones are let go here. */
  identity: TabIdentity;
  /** A new transport for a node id, with `onPeer`/`onPeerGone`, e.g. `() => new BroadcastChannelTransport({ cluster })`. */
  transport: (id: string) => Transport;
  /** A node's storage: `(identity) => new IndexedDbStorage(identity.id, { namespace, usage: identity.usage })`. */
  storage: (identity: TabIdentity) => RaftStorage;
  /** Whether an id has stored data, e.g. `(id) => IndexedDbStorage.hasData(id, { namespace })`. */
  hasData: (id: string) => Promise<boolean>;
  /** A state machine per node id (a tab may host several nodes). */
  stateMachine: (id: string) => StateMachine;
  /** Further options of every node: timings, `memberTimeout` (default `TAB_MEMBER_TIMEOUT_MS`), ... */
  raftOptions?: Omit<
    RaftOptions,
    'peers' | 'storage' | 'stateMachine' | 'transport' | 'clusterId' | 'clusterToken'
  >;
  /**
   * Whether a fresh tab that finds no cluster in this browser (no live member, no record) may bootstrap
   * one (default true). False when the cluster lives beyond this browser (its transport reaches other
   * devices, whose tabs this browser's locks cannot see): such a tab then joins without a cluster id
   * and takes the id of the first leader that adds it (the core's rule for a node without `peers`).
   * The app must then make sure one tab somewhere bootstraps, once (README, Tab clusters).
   */
  bootstrap?: boolean;
  /** How long a fresh tab waits to be added before it tries adoption and lets the formation lock go (default 10 s). */
  joinTimeoutMs?: number;
  /** How often a leader looks for present tabs that are not members (default 1 s). */
  growIntervalMs?: number;
  /** Least time between two adoption rounds (default 1 s). */
  recoveryIntervalMs?: number;
  /** Called when one of this tab's nodes learns it was removed from the cluster (its `removed` event). */
  onRemoved?: (node: RaftInterface) => void;
  /** `localStorage` (default): the cluster record and the identity records. */
  records?: Storage;
  /** `navigator.locks` (default). */
  locks?: LockManager;
  /** Where `pagehide` is heard (default `window`; null: nowhere). */
  lifecycle?: EventTarget | null;
  /** Where `visibilitychange` is heard (default `document`; null: nowhere). */
  visibility?: VisibilitySource | null;
}

/** This tab's part of the cluster: its own node, and the nodes of closed tabs it adopted. */
export interface TabCluster {
  /** This tab's own node (its identity's). Propose and read through it. */
  readonly node: RaftInterface;
  /** Every node this tab runs: its own first, then adopted ones. */
  readonly nodes: readonly RaftInterface[];
  /** Resolves once this tab's own node is a member (voter or learner). */
  whenMember(): Promise<void>;
  /** Stops every node (a leader hands off first) and lets the adopted identities go. */
  stop(): Promise<void>;
}

/**
 * Starts this tab's node of the tab cluster `options.cluster` (README, Tab clusters):
 * - an identity with stored data restarts from it;
 * - otherwise, under the cluster's formation Web Lock, the first tab bootstraps a one-node cluster
 *   and records its id in localStorage; later tabs join that id and wait to be added;
 * - while a node leads, it adds the present tabs that are not members (`join`);
 * - a hidden or leaving tab's leaders hand off first;
 * - when fewer than a majority of the voters are held by live tabs, free voter identities that still
 *   have their data are adopted and run here.
 */
export async function startTabCluster(options: TabClusterOptions): Promise<TabCluster> {
  const cluster = new RunningTabCluster(options);
  try {
    await cluster.start();
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}

class RunningTabCluster implements TabCluster {
  readonly #options: TabClusterOptions;
  readonly #names: IdentityNames;
  readonly #records: Storage;
  readonly #locks: LockManager;
  readonly #lifecycle: EventTarget | null;
  readonly #factories: NodeFactories;
  readonly #hosted: HostedNode[] = [];
  readonly #growers = new Map<HostedNode, Grower>();
  #handoff: Handoff | null = null;
  #recovering: Promise<void> | null = null;
  #recoverAgain = false;
  #lastRecovery = Number.NEGATIVE_INFINITY;
  #stopped = false;

  constructor(options: TabClusterOptions) {
    this.#options = options;
    this.#names = new IdentityNames(options.cluster, options.namespace);
    ({ records: this.#records, locks: this.#locks } = resolveRecordsAndLocks(options));
    this.#lifecycle = options.lifecycle !== undefined ? options.lifecycle : pageGlobal<EventTarget>('window');
    this.#factories = {
      transport: options.transport,
      storage: options.storage,
      stateMachine: options.stateMachine,
      raftOptions: { memberTimeout: TAB_MEMBER_TIMEOUT_MS, ...options.raftOptions },
    };
  }

  get node(): RaftInterface {
    const own = this.#hosted.find((node) => !node.adopted);
    if (!own) throw new ConfigurationError('tab cluster: not started');
    return own.raft;
  }

  get nodes(): readonly RaftInterface[] {
    const own = this.#hosted.filter((node) => !node.adopted);
    const adopted = this.#hosted.filter((node) => node.adopted);
    return [...own, ...adopted].map((node) => node.raft);
  }

  async start(): Promise<void> {
    const { identity, hasData } = this.#options;
    const visibility =
      this.#options.visibility !== undefined
        ? this.#options.visibility
        : pageGlobal<VisibilitySource>('document');
    this.#handoff = new Handoff({
      hosted: () => this.#hosted,
      visibility,
      lifecycle: this.#lifecycle,
      locks: this.#locks,
      names: this.#names,
    });
    if (await hasData(identity.id)) {
      await this.#host(identity, false, { kind: 'restart' });
      this.#scheduleRecovery(); // the rest of the cluster may have closed meanwhile
      return;
    }
    await withFormationLock(this.#locks, this.#names.formationLock, () => this.#form());
  }

  /**
   * Under the formation lock: join the cluster that live tabs run (their member locks say which), or
   * the recorded one (adopting its closed tabs' nodes), or bootstrap when there is neither.
   */
  async #form(): Promise<void> {
    const live = await liveClusterIds(this.#locks, this.#names);
    const record = readClusterRecord(this.#records, this.#names.clusterKey);
    const clusterId =
      live.length === 0
        ? record?.clusterId
        : record && live.includes(record.clusterId)
          ? record.clusterId
          : live[0];
    const mayBootstrap = this.#options.bootstrap ?? true;
    if (clusterId === undefined) return mayBootstrap ? this.#bootstrap() : this.#join(undefined);
    if (live.length === 0) {
      // Its tabs have all closed: run a majority of their nodes here first. None with data left: the
      // cluster is gone, start anew (before this tab's node stores the old cluster's id).
      await this.#recover(clusterId);
      if (this.#hosted.length === 0) return mayBootstrap ? this.#bootstrap() : this.#join(undefined);
    }
    return this.#join(clusterId);
  }

  /** Starts this tab's node as a joiner (of `clusterId`, or of the first leader to add it) and waits to be added. */
  async #join(clusterId: string | undefined): Promise<void> {
    const { identity } = this.#options;
    const joiner = await this.#host(identity, false, { kind: 'join', clusterId });
    if (!(await this.#untilMember(joiner, this.#options.joinTimeoutMs ?? 10_000))) await this.#recover();
    // A joiner without an id learned it from the leader that added it: now tabs forming here see it.
    else await joiner.holdMemberLock(this.#locks, this.#names);
  }

  async #bootstrap(): Promise<void> {
    const { identity } = this.#options;
    const founder = await this.#host(identity, false, {
      kind: 'bootstrap',
      clusterToken: crypto.randomUUID(),
    });
    await founder.raft.read(); // it leads and has committed an entry of its term
    const clusterId = founder.raft.clusterId;
    if (clusterId === null) throw new ConfigurationError('tab cluster: the founder has no cluster id');
    writeClusterRecord(this.#records, this.#names.clusterKey, { clusterId, founder: identity.id });
  }

  /** Starts a node for `identity` and keeps it: grows the cluster while it leads, recovers when it is stuck. */
  async #host(identity: TabIdentity, adopted: boolean, plan: StartPlan): Promise<HostedNode> {
    const record = readClusterRecord(this.#records, this.#names.clusterKey);
    const node = new HostedNode(
      identity,
      adopted,
      this.#factories,
      planOptions(identity.id, plan, record),
      (from, _peer, present) => {
        if (present) this.#growers.get(from)?.scan();
        else this.#scheduleRecovery();
      },
    );
    node.raft.listen('removed', () => this.#options.onRemoved?.(node.raft));
    node.raft.listen('heartbeat timeout', () => this.#scheduleRecovery());
    this.#hosted.push(node);
    this.#growers.set(node, new Grower(node, this.#options.growIntervalMs ?? 1000));
    try {
      await node.watchLiveness(this.#locks, this.#names);
      await node.raft.start();
      await node.holdMemberLock(this.#locks, this.#names);
      this.#handoff?.track(node);
    } catch (error) {
      this.#forget(node);
      await node.stop();
      throw error;
    }
    return node;
  }

  #forget(node: HostedNode): void {
    this.#handoff?.untrack(node);
    this.#growers.get(node)?.stop();
    this.#growers.delete(node);
    const at = this.#hosted.indexOf(node);
    if (at >= 0) this.#hosted.splice(at, 1);
  }

  #listOptions() {
    const { cluster, namespace, hasData } = this.#options;
    return { cluster, namespace, hasData, records: this.#records, locks: this.#locks };
  }

  /**
   * One adoption round. A forming tab runs it under the formation lock; a running tab runs it without,
   * so that it never waits behind a tab that is forming: two tabs adopting at once only take different
   * identities (each identity's lock goes to one of them), which is safe, and at worst one more than
   * needed.
   */
  async #recover(
    clusterId = this.#hosted.find((node) => !node.adopted)?.raft.clusterId ?? null,
  ): Promise<void> {
    await adoptUntilQuorum({
      ...this.#listOptions(),
      lifecycle: this.#lifecycle,
      hosted: () => this.#hosted,
      host: async (identity) => {
        let node: HostedNode;
        try {
          node = await this.#host(identity, true, { kind: 'restart' });
        } catch {
          await identity.release();
          return null;
        }
        // An identity of an earlier cluster of this name, or one removed from it, is no help here.
        if ((clusterId !== null && node.raft.clusterId !== clusterId) || node.raft.state === 'removed') {
          this.#forget(node);
          await node.stop();
          return null;
        }
        return node;
      },
    });
  }

  /** Runs an adoption round soon: at most one at a time, and one per `recoveryIntervalMs`. */
  #scheduleRecovery(): void {
    if (this.#stopped) return;
    if (this.#recovering) {
      this.#recoverAgain = true;
      return;
    }
    const interval = this.#options.recoveryIntervalMs ?? 1000;
    const wait = Math.max(0, this.#lastRecovery + interval - Date.now());
    this.#recovering = new Promise<void>((resolve) => setTimeout(resolve, wait))
      .then(() => (this.#stopped ? undefined : this.#recover()))
      .catch(() => undefined) // a failed round is tried again on the next trigger
      .finally(() => {
        this.#lastRecovery = Date.now();
        this.#recovering = null;
        if (this.#recoverAgain) {
          this.#recoverAgain = false;
          this.#scheduleRecovery();
        }
      });
  }

  /** Whether `node` became a member within `timeoutMs`. */
  #untilMember(node: HostedNode, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (!node.isMember(node.id)) return;
        done(true);
      };
      const offJoin = node.raft.listen('join', check);
      const offUpdated = node.raft.listen('updated', check);
      const timer = setTimeout(() => done(false), timeoutMs);
      function done(member: boolean): void {
        clearTimeout(timer);
        offJoin();
        offUpdated();
        resolve(member);
      }
      check();
    });
  }

  async whenMember(): Promise<void> {
    const own = this.#hosted.find((node) => !node.adopted);
    if (!own) throw new ConfigurationError('tab cluster: not started');
    while (!(await this.#untilMember(own, 60_000))) {
      if (this.#stopped) return;
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#handoff?.stop();
    for (const grower of this.#growers.values()) grower.stop();
    this.#growers.clear();
    await Promise.all(this.#hosted.splice(0).map((node) => node.stop()));
  }
}

function pageGlobal<T>(name: 'window' | 'document'): T | null {
  return ((globalThis as Record<string, unknown>)[name] as T | undefined) ?? null;
}
