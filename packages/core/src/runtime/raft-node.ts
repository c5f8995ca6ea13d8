import type { Emitter } from 'nanoevents';
import { ConfigurationError, type RaftError } from '../errors.js';
import { resolveClusterId } from '../protocol/cluster-id.js';
import { RaftCore, type RaftStatus } from '../protocol/raft.js';
import type { ClusterConfig, Message, NodeId } from '../protocol/types.js';
import type { PersistedState } from '../storage/types.js';
import { Applier } from './applier.js';
import type { RaftEvents } from './events.js';
import { MembershipChanges } from './membership-changes.js';
import { microtask } from './microtask.js';
import type { NodeContext, RaftNodeOptions } from './node-context.js';
import { protocolConfig } from './options.js';
import type { AbortSignalLike, ProposeResult } from './pending.js';
import { Proposals } from './proposals.js';
import { Reads } from './reads.js';
import { createSafeEmitter } from './safe-emitter.js';
import { StatusEvents } from './status-events.js';
import { toStorageError } from './storage-retry.js';
import { WritePipeline } from './write-pipeline.js';

export type { RaftNodeOptions } from './node-context.js';

/** Processing runs in one event-loop turn before the runtime yields to timers and I/O. */
const MAX_RUNS_PER_TURN = 256;

/**
 * The runtime around the pure protocol: it loads state, takes inputs (messages, the one timer, the
 * API's calls) and wires the parts that do the work:
 * - `Proposals` (proposals.ts): `propose()` to the protocol, batched per turn, retried when lost;
 * - `Reads` (reads.ts): linearizable reads by read index;
 * - `Applier` (applier.ts): committed entries and snapshots to the state machine, exactly once;
 * - `MembershipChanges` (membership-changes.ts): configuration changes, `memberTimeout`, transfers;
 * - `StatusEvents` (status-events.ts): role, election and membership events;
 * - `WritePipeline` (write-pipeline.ts): each round of protocol output persisted, sent and applied
 *   in the order the persistence contract demands (durable before sent; applied in order, once).
 */
export class RaftNode {
  readonly id: NodeId;
  readonly events: Emitter<RaftEvents> = createSafeEmitter();
  private readonly opts: RaftNodeOptions;
  private readonly ctx: NodeContext;
  private readonly proposals: Proposals;
  private readonly reads: Reads;
  private readonly applier: Applier;
  private readonly membership: MembershipChanges;
  private readonly statusEvents: StatusEvents;
  private readonly pipeline: WritePipeline;

  private processScheduled = false;
  /** Processing runs since the event loop last turned (a message arrived or a timer fired). */
  private runsWithoutYield = 0;
  private deferredFlushScheduled = false;
  private timer: unknown = undefined;
  private timerDeadline = Number.POSITIVE_INFINITY;

  constructor(opts: RaftNodeOptions) {
    this.opts = opts;
    this.id = opts.id;
    const ctx: NodeContext = {
      id: opts.id,
      opts,
      events: this.events,
      core: null,
      running: false,
      wake: this.afterInput,
    };
    this.ctx = ctx;
    this.proposals = new Proposals(ctx);
    const applied = () => this.applier.lastApplied;
    this.reads = new Reads(ctx, applied);
    this.statusEvents = new StatusEvents(opts.id, this.events, () => microtask(this.retryForNewLeader));
    this.applier = new Applier(ctx, this.proposals.waiting, {
      onConfigApplied: (config) => this.statusEvents.reportMembership(config),
      onApplied: () => this.reads.release(),
    });
    this.membership = new MembershipChanges(ctx, this.proposals, applied);
    this.pipeline = new WritePipeline(ctx, {
      installSnapshot: (snapshot) => this.applier.installSnapshot(snapshot),
      applyEntries: (entries) => this.applier.applyEntries(entries),
      onReadState: (rs) => this.reads.onReadState(rs),
      compact: () => this.applier.maybeCompact(),
      reportStatus: () => this.statusEvents.report(ctx.core!),
      fail: (error) => this.fail(error),
      idle: () => {
        this.armTimer();
        this.scheduleDeferredFlush();
      },
    });
  }

  // ---------------------------------------------------------------- lifecycle

  async start(): Promise<void> {
    const { ctx, opts } = this;
    if (ctx.running || ctx.core) throw new ConfigurationError('a RaftNode can be started once');
    let state: PersistedState;
    try {
      state = await opts.storage.load();
    } catch (cause) {
      // Nothing ran yet: start() rejects with why, and the node is failed (a new instance may retry).
      const error = toStorageError(cause, 'load');
      this.failure = error;
      throw error;
    }
    const cluster = resolveClusterId(state.hardState.cluster, opts.cluster);
    if ('problem' in cluster) {
      this.failure = new ConfigurationError(cluster.problem);
      throw this.failure;
    }
    this.applier.load(state.snapshot);
    const config: ClusterConfig = state.snapshot?.meta.config ?? { voters: [...opts.peers], learners: [] };
    const core = new RaftCore(protocolConfig(opts.id, opts.tuning, opts.timing, opts.random), {
      hardState: state.hardState,
      snapshot: state.snapshot,
      entries: state.entries,
      bootstrap: { voters: [...opts.peers], learners: [] },
      now: opts.clock.now(),
      cluster: cluster.id,
    });
    ctx.core = core;
    ctx.running = true;
    this.statusEvents.start(core, config);
    this.afterInput();
  }

  /** Stops taking part. Waits for an in-flight write, then closes storage. */
  async stop(): Promise<void> {
    if (!this.ctx.running) return;
    // A graceful shutdown costs no election: hand leadership over first when there is someone to take it.
    // Only to a voter that answered lately (see handoverTarget), and given up when it goes away.
    const target = this.ctx.core!.role === 'leader' ? this.membership.handoverTarget() : null;
    if (target !== null) await this.transferLeadership(target).catch(() => undefined);
    if (!this.ctx.running) return;
    this.halt();
    await this.pipeline.persisting.catch(() => undefined);
    try {
      await this.opts.storage.close?.();
    } catch (error) {
      // stop() never rejects: the failure is reported, and there is nothing left to undo.
      this.events.emit('error', toStorageError(error, 'close'));
    }
  }

  /**
   * Halts the node for good after an error it cannot go on from (a fatal storage error, a snapshot the
   * state machine cannot restore): said on `error`, `failed` is set, every pending request fails, and
   * nothing further is written or sent.
   */
  private fail(error: RaftError): void {
    if (!this.ctx.running) return;
    this.failure = error;
    this.events.emit('error', error);
    this.halt(`the node halted: ${error.message}`);
  }

  /** Why the node halted on its own (see `fail`), or null: `RaftInterface.state` is then 'failed'. */
  failure: RaftError | null = null;

  /** The transport reports that `id` went away (`Transport.onPeerGone`). */
  peerGone(id: NodeId): void {
    if (this.ctx.running) this.membership.peerGone(id);
  }

  /** Stops at once, as a crash would: nothing more is written or sent. For the simulator. */
  crash(): void {
    if (this.ctx.running) this.halt();
  }

  private halt(why?: string): void {
    this.ctx.running = false;
    if (this.timer !== undefined) this.opts.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.proposals.failAll(why);
    this.reads.failAll(why);
    this.membership.failAll(why);
  }

  get isRunning(): boolean {
    return this.ctx.running;
  }

  /** This node was removed from the cluster (see the `removed` event). */
  get removed(): boolean {
    return this.statusEvents.removed;
  }

  /** The cluster id (protocol/cluster-id.ts): null before start and while a joiner waits for a leader. */
  get cluster(): string | null {
    return this.ctx.core?.cluster ?? null;
  }

  // ---------------------------------------------------------------- inputs

  /** A validated message from the network. */
  receive(message: Message): void {
    if (!this.ctx.running) return;
    this.runsWithoutYield = 0;
    if (message.type === 'proposeRefused') {
      this.proposals.onRefused(message.client, message.seqs, message.code, message.reason);
      return;
    }
    this.ctx.core!.step(message, this.opts.clock.now());
    this.afterInput();
  }

  propose(
    command: unknown,
    options?: { timeoutMs?: number; signal?: AbortSignalLike },
  ): Promise<ProposeResult> {
    return this.proposals.propose(command, options);
  }

  /**
   * Changes the membership through the log, one server at a time (thesis 4.1). `change` maps the
   * latest configuration to the wanted one, or null when there is nothing to do. Resolves once the
   * change is committed and applied here.
   */
  changeMembership(
    change: (config: ClusterConfig) => ClusterConfig | null,
    timeoutMs?: number,
  ): Promise<void> {
    return this.membership.changeMembership(change, timeoutMs);
  }

  /**
   * Hands leadership to `to`, or to the most up-to-date voter (thesis 3.10). Resolves when the target
   * leads; rejects if this node is not the leader, or when the transfer does not finish within an
   * election timeout (the old leader then takes proposals again).
   */
  transferLeadership(to?: NodeId): Promise<void> {
    return this.membership.transferLeadership(to);
  }

  /** Linearizable read barrier (thesis 6.4): resolves once everything committed before the call is applied here. */
  read(options: { timeoutMs?: number } = {}): Promise<{ index: number }> {
    return this.reads.read(options);
  }

  /**
   * A liveness hint: `leader`, followed in `term`, is gone (see `RaftCore.leaderGone`). Returns
   * whether the node acted on it.
   */
  leaderGone(leader: NodeId, term: number): boolean {
    if (!this.ctx.running) return false;
    const acted = this.ctx.core!.leaderGone(leader, term, this.opts.clock.now());
    if (acted) this.afterInput();
    return acted;
  }

  /** Start an election now (tests and tools). */
  campaign(): void {
    if (!this.ctx.running) return;
    this.ctx.core!.campaignNow();
    this.afterInput();
  }

  // ---------------------------------------------------------------- status

  status(): RaftStatus {
    if (!this.ctx.core) throw new ConfigurationError('the node has not started');
    return this.ctx.core.status();
  }

  /** The last index applied to the state machine here (`RaftStatus.applyingIndex` may be ahead of it). */
  get appliedIndex(): number {
    return this.applier.lastApplied;
  }

  /** The protocol, for the simulator's invariant checks and for tests. Read only. */
  get protocol(): RaftCore {
    if (!this.ctx.core) throw new ConfigurationError('the node has not started');
    return this.ctx.core;
  }

  // ---------------------------------------------------------------- the loop

  /**
   * After every input: report role changes, process what the protocol produced, re-arm the timer.
   * `batched`: the input was already a batch (all proposals of a turn of promise work), so processing
   * starts at once instead of waiting one more microtask for further inputs to join it. An arrow
   * function, as it is the context's `wake`.
   */
  private readonly afterInput = (batched = false): void => {
    const core = this.ctx.core!;
    this.statusEvents.report(core);
    this.membership.settleTransfers();
    if (this.pipeline.processing) this.pipeline.sendEarly();
    if (core.hasReady() && !this.pipeline.processing && !this.processScheduled) {
      if (batched && this.runsWithoutYield < MAX_RUNS_PER_TURN) {
        this.runsWithoutYield++;
        this.process();
        this.armTimer();
        this.scheduleDeferredFlush();
        return;
      }
      this.processScheduled = true;
      // Processing runs as promise work, right after the input; but a caller that loops on resolved
      // promises (lease reads, a one-node cluster) would then never let timers run, so after
      // MAX_RUNS_PER_TURN runs with no message or timer in between, the next run waits for a turn.
      if (++this.runsWithoutYield <= MAX_RUNS_PER_TURN) {
        microtask(this.processLater);
      } else {
        this.opts.clock.defer(() => {
          this.runsWithoutYield = 0;
          this.process();
        });
      }
    }
    this.armTimer();
    this.scheduleDeferredFlush();
  };

  private process(): void {
    this.processScheduled = false;
    this.pipeline.run();
  }

  /** `process` for the microtask queue, made once. */
  private readonly processLater = (): void => this.process();

  /** A new leader is known: send it what waited for one. */
  private readonly retryForNewLeader = (): void => {
    if (!this.ctx.running) return;
    this.proposals.retryInflight();
    this.reads.retry();
  };

  /**
   * Work the protocol holds back to the end of the turn (see `RaftCore.flushDeferred`): a new commit
   * index no append carried, and one heartbeat round for all reads of the turn.
   */
  private scheduleDeferredFlush(): void {
    if (this.deferredFlushScheduled || !this.ctx.core!.hasDeferred) return;
    this.deferredFlushScheduled = true;
    this.opts.clock.defer(this.flushDeferred);
  }

  /** An arrow function, so that deferring it allocates nothing per commit. */
  private readonly flushDeferred = (): void => {
    this.deferredFlushScheduled = false;
    if (!this.ctx.running || !this.ctx.core!.hasDeferred) return;
    this.ctx.core!.flushDeferred();
    this.afterInput();
  };

  private armTimer(): void {
    if (!this.ctx.running) return;
    const deadline = this.ctx.core!.nextDeadline();
    // A timer that fires earlier than needed just re-arms; only an earlier deadline needs a new one.
    if (this.timer !== undefined && this.timerDeadline <= deadline) return;
    if (this.timer !== undefined) this.opts.clock.clearTimer(this.timer);
    if (deadline === Number.POSITIVE_INFINITY) {
      this.timer = undefined;
      this.timerDeadline = deadline;
      return;
    }
    this.timerDeadline = deadline;
    this.timer = this.opts.clock.setTimer(deadline - this.opts.clock.now(), () => this.onTimer());
  }

  private onTimer(): void {
    this.timer = undefined;
    this.timerDeadline = Number.POSITIVE_INFINITY;
    if (!this.ctx.running) return;
    this.runsWithoutYield = 0;
    // Elapsed time, not the number of callbacks: a throttled tab's late timer sees the real delay.
    this.ctx.core!.tick(this.opts.clock.now());
    this.proposals.retryInflight();
    this.reads.retry();
    this.membership.removeUnreachableVoters();
    this.afterInput();
  }
}
