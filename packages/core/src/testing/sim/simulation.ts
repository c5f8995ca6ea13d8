import { RaftInterface, type RaftOptions } from '../../api/raft-interface.js';
import { ProposalRefusedError } from '../../errors.js';
import type { RaftStatus } from '../../protocol/raft.js';
import type { ClusterConfig, Entry, Message } from '../../protocol/types.js';
import { type RandomSource, seededRandom } from '../../runtime/clock.js';
import type { RaftTuning } from '../../runtime/options.js';
import type { AbortSignalLike, ProposeResult } from '../../runtime/pending.js';
import type { PersistBatch } from '../../storage/types.js';
import { ClockDriver } from './clock-driver.js';
import { InvariantChecker } from './invariants.js';
import { RecordingStateMachine } from './recording-state-machine.js';
import { type NetworkFaults, RELIABLE, SimNetwork } from './sim-network.js';
import { SimStorage } from './sim-storage.js';
import { VirtualClock } from './virtual-clock.js';

export interface SimulationOptions {
  seed: number;
  /** The initial voters. */
  nodes: string[];
  faults?: NetworkFaults;
  /** Virtual ms a storage write takes: [min, max]. */
  storageLatency?: [number, number];
  /** Follower timeout base, heartbeat interval and candidate timeout, in virtual ms. */
  electionTimeout?: number;
  heartbeatInterval?: number;
  tuning?: Partial<RaftTuning>;
  /** How to rerun a failure, printed with its seed (e.g. `pnpm soak --seed {seed}`). */
  replay?: string;
  /**
   * Makes each node's state machine. It must extend RecordingStateMachine (and call `super.apply`,
   * `super.snapshot`, `super.restore`) so the simulator can check what was applied.
   */
  stateMachine?: (onApply: (commandId: string, index: number, term: number) => void) => RecordingStateMachine;
}

/** A violated invariant or a scenario that did not finish: carries the seed to replay it. */
export class SimulationError extends Error {
  override name = 'SimulationError';
  constructor(
    message: string,
    readonly seed: number,
    replay: string,
  ) {
    super(`${message}\n  seed: ${seed}\n  replay: ${replay.replaceAll('{seed}', String(seed))}`);
  }
}

interface SimNode {
  id: string;
  storage: SimStorage;
  raft: RaftInterface | null;
  sm: RecordingStateMachine;
  /** The initial voters it was last started with (its configuration before any log entry). */
  peers: string[];
}

declare const setImmediate: ((callback: () => void) => unknown) | undefined;
declare function setTimeout(callback: () => void, ms: number): unknown;

/** Lets every pending promise continuation run (the runtime's work between two virtual events). */
export function settle(): Promise<void> {
  return new Promise((resolve) => {
    if (typeof setImmediate === 'function') setImmediate(resolve);
    else setTimeout(resolve, 0);
  });
}

/**
 * A deterministic simulation of a Raft cluster (docs/testing.md): real `RaftInterface` nodes on a
 * virtual clock, a seeded unreliable network, storage that loses in-flight writes on a crash, and an
 * invariant check after every step. The same seed replays the same run.
 */
export class Simulation extends ClockDriver {
  readonly seed: number;
  readonly clock = new VirtualClock();
  readonly network: SimNetwork;
  readonly random: RandomSource;
  /**
   * The invariant checker of the first cluster that ran (the one `nodes` bootstrap, in all but a few
   * scenarios). Raft's guarantees hold within a cluster: a scenario that runs several clusters on one
   * network (protocol/cluster-id.ts) gets a checker per cluster id (`checkerOf`).
   */
  readonly checker = new InvariantChecker();
  private readonly checkers = new Map<string, InvariantChecker>();
  private readonly opts: SimulationOptions;
  private readonly nodes = new Map<string, SimNode>();
  private readonly replay: string;
  /** Command ids whose proposal resolved (acknowledged to the client), with their index. */
  readonly acknowledged = new Map<string, number>();
  /** Command ids whose proposal was refused (ProposalRefusedError): none may ever be applied. */
  readonly refused = new Set<string>();
  /** Command ids some node applied. */
  private readonly appliedCommands = new Set<string>();
  private commandCounter = 0;
  private violation: string | null = null;
  steps = 0;

  constructor(opts: SimulationOptions) {
    super();
    this.opts = opts;
    this.seed = opts.seed;
    this.random = seededRandom(opts.seed);
    this.network = new SimNetwork(this.clock, seededRandom(opts.seed ^ 0x5eed), opts.faults ?? RELIABLE);
    this.network.onSend = (from, to, payload) => {
      this.checkerOf((payload as Message).cluster).observeSent(from, to, payload);
      this.checkAcknowledgementDurable(from, to, payload as Message);
    };
    this.replay = opts.replay ?? 'SEED={seed} pnpm vitest run packages/core/test';
    for (const id of opts.nodes) this.addNode(id);
  }

  /** Declares a node (not started). Later nodes (membership changes) are added the same way. */
  addNode(id: string): void {
    if (this.nodes.has(id)) return;
    const [min, max] = this.opts.storageLatency ?? [0, 2];
    const storageRandom = seededRandom(this.seed ^ hash(id));
    const node: SimNode = {
      id,
      storage: new SimStorage(this.clock, () => min + storageRandom() * (max - min)),
      raft: null,
      sm: new RecordingStateMachine(() => undefined),
      peers: [],
    };
    node.storage.onWrite = (batch) => this.checkSnapshotWrite(node, batch);
    this.nodes.set(id, node);
  }

  get ids(): string[] {
    return [...this.nodes.keys()];
  }

  async start(): Promise<void> {
    for (const id of this.opts.nodes) await this.startNode(id, this.opts.nodes);
  }

  /**
   * Starts (or restarts) a node from its durable storage. `identity`: its cluster options (a pinned
   * `clusterId`, a `clusterToken`), for scenarios of clusters that must not mix.
   */
  async startNode(
    id: string,
    peers: string[] = this.opts.nodes,
    identity: Pick<RaftOptions, 'clusterId' | 'clusterToken'> = {},
  ): Promise<void> {
    const node = this.nodes.get(id);
    if (!node) throw new Error(`unknown node ${id}`);
    if (node.raft) throw new Error(`${id} is already running`);
    const makeStateMachine = this.opts.stateMachine ?? ((onApply) => new RecordingStateMachine(onApply));
    const sm: RecordingStateMachine = makeStateMachine((cmd, index) => {
      const problem = this.checkerOf(this.nodes.get(id)!.raft?.clusterId).recordApply(id, cmd, index);
      if (problem) this.violation ??= problem;
      if (sm.applied.indexOf(cmd) !== sm.applied.length - 1) this.violation ??= `${id} applied ${cmd} twice`;
      if (this.refused.has(cmd)) this.violation ??= `${id} applied ${cmd}, whose proposal was refused`;
      this.appliedCommands.add(cmd);
    });
    node.sm = sm;
    node.peers = [...peers];
    const electionTimeout = this.opts.electionTimeout ?? 100;
    const heartbeatInterval = this.opts.heartbeatInterval ?? 20;
    const nodeRandom = seededRandom(this.seed ^ hash(id) ^ 0x9e3779b9);
    const options: RaftOptions = {
      ...this.opts.tuning,
      ...identity,
      peers,
      storage: node.storage.handle(),
      stateMachine: sm,
      transport: this.network.transport(id),
      clock: this.clock,
      random: nodeRandom,
      clientId: `${id}#${this.steps}`,
    };
    class SimRaft extends RaftInterface {
      override get heartbeatTimeout(): number {
        return electionTimeout;
      }
      override get heartbeatFrequency(): number {
        return heartbeatInterval;
      }
      override get electionTimeout(): number {
        return electionTimeout + Math.floor(nodeRandom() * electionTimeout);
      }
    }
    const raft = new SimRaft(id, options);
    node.raft = raft;
    await raft.start();
    const s = raft.raftNode.status();
    const problem = this.checkerOf(raft.clusterId).restarted(id, s.term, s.vote);
    if (problem) this.fail(problem);
    await settle();
  }

  /** Kills a node as a power cut would: in-flight writes are lost, nothing more is sent. */
  crash(id: string): void {
    const node = this.nodes.get(id);
    if (!node?.raft) return;
    node.raft.raftNode.crash();
    node.storage.crash();
    this.network.detach(id);
    node.raft = null;
  }

  /**
   * Stops a node as its user would (`stop()`: a leader hands over first). The node counts as alive
   * until the stop has finished; the returned promise settles then.
   */
  async stopGracefully(id: string): Promise<void> {
    const node = this.nodes.get(id);
    if (!node?.raft) return;
    const raft = node.raft;
    try {
      await raft.stop();
    } finally {
      if (node.raft === raft) {
        this.network.detach(id);
        node.raft = null;
      }
    }
  }

  async restart(id: string): Promise<void> {
    this.crash(id);
    await this.startNode(id);
  }

  isAlive(id: string): boolean {
    return this.nodes.get(id)?.raft !== null;
  }

  raft(id: string): RaftInterface {
    const r = this.nodes.get(id)?.raft;
    if (!r) throw new Error(`${id} is not running`);
    return r;
  }

  status(id: string): RaftStatus {
    return this.raft(id).raftNode.status();
  }

  stateMachine(id: string): RecordingStateMachine {
    return this.nodes.get(id)!.sm;
  }

  storageOf(id: string): SimStorage {
    return this.nodes.get(id)!.storage;
  }

  liveIds(): string[] {
    return this.ids.filter((id) => this.isAlive(id));
  }

  /** Live nodes in the current leader's configuration (all live nodes when there is no leader). */
  memberIds(): string[] {
    const leader = this.leader();
    if (!leader) return this.liveIds();
    const { voters, learners } = this.status(leader).config;
    return this.liveIds().filter((id) => voters.includes(id) || learners.includes(id));
  }

  /** The leader with the highest term among live nodes, or null. */
  leader(): string | null {
    let best: string | null = null;
    let bestTerm = -1;
    for (const id of this.liveIds()) {
      const s = this.status(id);
      if (s.role === 'leader' && s.term > bestTerm) {
        best = id;
        bestTerm = s.term;
      }
    }
    return best;
  }

  /** Leaders among live nodes (several may exist across terms while a partition lasts). */
  leaders(): string[] {
    return this.liveIds().filter((id) => this.status(id).role === 'leader');
  }

  /**
   * Proposes a fresh command on `id`; an acknowledged one is recorded for the final checks. The
   * command is `{ id }`, with `payload` beside it when given (any JSON the state machine ignores).
   */
  propose(
    id: string,
    options?: { timeoutMs?: number; signal?: AbortSignalLike; payload?: unknown },
  ): { command: string; result: Promise<ProposeResult> } {
    const command = `c${++this.commandCounter}`;
    const { payload, ...proposeOptions } = options ?? {};
    const checker = this.checkerOf(this.raft(id).clusterId);
    const result = this.raft(id).propose(
      options && 'payload' in options ? { id: command, payload } : { id: command },
      proposeOptions,
    );
    result.then(
      (r) => {
        this.acknowledged.set(command, r.index);
        // The index a proposal resolves with is where it was applied (a result of undefined means
        // it was answered from a session record that no longer holds where).
        const there = checker.commandAt(r.index);
        if (r.result !== undefined && there !== undefined && there !== command)
          this.violation ??= `${command} resolved at index ${r.index}, where ${there} was applied`;
      },
      (error) => {
        if (!(error instanceof ProposalRefusedError) || error.code === 'APPLY_FAILED') return;
        // Refused means it did not and will not take effect (README: exactly-once proposals).
        this.refused.add(command);
        if (this.appliedCommands.has(command))
          this.violation ??= `${command} was refused (${error.code}) but has been applied`;
      },
    );
    return { command, result };
  }

  // ------------------------------------------------------------ running

  /** Runs one event. Returns false when nothing is scheduled. */
  async step(): Promise<boolean> {
    if (!this.clock.runNext()) return false;
    this.steps++;
    await settle();
    this.check();
    return true;
  }

  /** A wait that ran out of time fails with the seed, like any violation. */
  protected timedOut(message: string): never {
    this.fail(message);
  }

  /** Runs until some live node leads with a quorum behind it and has committed an entry of its term. */
  async waitForLeader(maxMs = 10_000): Promise<string> {
    await this.runUntil(
      () => {
        const id = this.leader();
        if (!id) return false;
        const s = this.status(id);
        return this.raft(id).raftNode.protocol.log.term(s.commitIndex) === s.term;
      },
      maxMs,
      'electing a leader',
    );
    return this.leader()!;
  }

  /** Heals the network and waits until every live node has applied the same entries as the leader. */
  async converge(maxMs = 30_000): Promise<void> {
    this.network.heal();
    const saved = this.network.faults;
    this.network.faults = RELIABLE;
    await this.waitForLeader(maxMs);
    await this.runUntil(
      () => {
        const leader = this.leader();
        if (leader === null) return false;
        const target = this.status(leader).commitIndex;
        return this.memberIds().every((id) => this.raft(id).raftNode.appliedIndex === target);
      },
      maxMs,
      'converging',
    );
    this.network.faults = saved;
  }

  /**
   * The end-of-run checks: all live nodes applied the same sequence, and every acknowledged proposal
   * is in it exactly once.
   */
  checkFinal(): void {
    const live = this.memberIds();
    const reference = this.nodes.get(live[0]!)!.sm.applied;
    for (const id of live) {
      const applied = this.nodes.get(id)!.sm.applied;
      if (applied.length !== reference.length || applied.some((c, i) => reference[i] !== c)) {
        this.fail(`${id} applied a different sequence than ${live[0]}`);
      }
    }
    const counts = new Map<string, number>();
    for (const c of reference) counts.set(c, (counts.get(c) ?? 0) + 1);
    for (const command of this.acknowledged.keys()) {
      const n = counts.get(command) ?? 0;
      if (n !== 1) this.fail(`acknowledged proposal ${command} was applied ${n} times`);
    }
    for (const [command, n] of counts) if (n > 1) this.fail(`${command} was applied ${n} times`);
  }

  /** The checker of cluster `cluster`; a joiner without an id yet holds nothing to check apart. */
  checkerOf(cluster: string | null | undefined): InvariantChecker {
    if (cluster == null) return this.checker;
    let checker = this.checkers.get(cluster);
    if (!checker) {
      checker = this.checkers.size === 0 ? this.checker : new InvariantChecker();
      this.checkers.set(cluster, checker);
    }
    return checker;
  }

  check(): void {
    if (this.violation) this.fail(this.violation);
    const observed = this.liveIds().map((id) => ({ id, core: this.raft(id).raftNode.protocol }));
    const byChecker = new Map<InvariantChecker, typeof observed>();
    for (const n of observed) {
      const checker = this.checkerOf(n.core.cluster);
      const group = byChecker.get(checker);
      if (group) group.push(n);
      else byChecker.set(checker, [n]);
    }
    const problems: string[] = [];
    for (const [checker, group] of byChecker) problems.push(...checker.check(group));
    for (const { id, core } of observed) {
      // A configuration takes effect when appended and is undone when truncated (thesis 4.1): each
      // node's must be the latest one in its log, else its snapshot's, else the bootstrap one.
      const expected =
        latestConfigEntry(core.log.entries) ??
        (core.log.pendingSnapshot ?? core.snapshot)?.meta.config ??
        bootstrapConfig(this.nodes.get(id)!.peers);
      if (configKey(core.membership.config) !== configKey(expected))
        problems.push(
          `configuration: ${id} uses ${configKey(core.membership.config)} but its log says ${configKey(expected)}`,
        );
    }
    if (problems.length > 0) this.fail(problems.join('; '));
  }

  /**
   * The persistence contract for entries (paper Figure 2): a node acknowledges entries only once they
   * are on its disk. Checked when the acknowledgement is sent: the disk reaches its index, and holds
   * there the term the leader has there (when the leader still leads that term).
   */
  private checkAcknowledgementDurable(from: string, to: string, m: Message): void {
    if (m.type !== 'appendResponse' || m.reject) return;
    const disk = this.nodes.get(from)?.storage;
    if (!disk) return;
    if (disk.lastIndex < m.index) {
      this.violation ??= `durability: ${from} acknowledged up to ${m.index} with only ${disk.lastIndex} on disk`;
      return;
    }
    const leader = this.nodes.get(to)?.raft?.raftNode;
    if (!leader?.isRunning) return;
    const core = leader.protocol;
    if (core.role !== 'leader' || core.term !== m.term || m.index < disk.snapshotIndex) return;
    const theirs = core.log.term(m.index);
    const ours = disk.termAt(m.index);
    if (theirs !== undefined && ours !== theirs)
      this.violation ??= `durability: ${from} acknowledged ${m.index} (term ${theirs}) with term ${ours} on disk`;
  }

  /** A snapshot a node takes of itself describes its own durable log at that index: term and configuration. */
  private checkSnapshotWrite(node: SimNode, batch: PersistBatch): void {
    const snap = batch.compaction;
    if (!snap || batch.snapshot) return;
    const { index, term, config } = snap.meta;
    const storedTerm = node.storage.termAt(index);
    if (storedTerm !== undefined && storedTerm !== term)
      this.violation ??= `snapshot: ${node.id} took a snapshot at ${index} with term ${term}, its log has ${storedTerm}`;
    const stored = node.storage.configAt(index) ?? bootstrapConfig(node.peers);
    if (configKey(stored) !== configKey(config))
      this.violation ??= `snapshot: ${node.id} took a snapshot at ${index} with configuration ${configKey(config)}, its log has ${configKey(stored)}`;
  }

  /** One line per live node: role, term, leader, commit and applied indexes, log range. */
  describe(): string {
    return this.liveIds()
      .map((id) => {
        const s = this.status(id);
        return `${id} ${s.role} t${s.term} leader=${s.leader} commit=${s.commitIndex} applied=${this.raft(id).raftNode.appliedIndex} log=${s.firstIndex}..${s.lastIndex}`;
      })
      .join('\n');
  }

  fail(message: string): never {
    const where = `virtual time ${this.clock.now().toFixed(1)} ms, step ${this.steps}`;
    throw new SimulationError(`${message} (${where})\n${this.describe()}`, this.seed, this.replay);
  }

  async stop(): Promise<void> {
    for (const id of this.liveIds()) this.crash(id);
    await settle();
  }
}

function latestConfigEntry(entries: readonly Entry[]): ClusterConfig | undefined {
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i]!;
    if (e.kind === 'config') return e.data as ClusterConfig;
  }
  return undefined;
}

function bootstrapConfig(peers: string[]): ClusterConfig {
  return { voters: peers, learners: [] };
}

/** A configuration's members, order aside. */
function configKey(c: ClusterConfig): string {
  return `voters ${[...c.voters].sort().join(',')} learners ${[...c.learners].sort().join(',')}`;
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}
