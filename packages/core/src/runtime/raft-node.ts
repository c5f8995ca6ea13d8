import type { Emitter } from 'nanoevents';
import {
  ApplicationError,
  ConfigurationError,
  NodeStoppedError,
  OutcomeUnknownError,
  ProposalRefusedError,
  type RaftError,
  StorageError,
} from '../errors.js';
import { cloneJson } from '../protocol/clone-json.js';
import { configFingerprint } from '../protocol/membership.js';
import { RaftCore, type RaftStatus, type Ready } from '../protocol/raft.js';
import type {
  ClusterConfig,
  Entry,
  Message,
  NodeId,
  ProposedEntry,
  ReadState,
  Snapshot,
} from '../protocol/types.js';
import type { PersistBatch, RaftStorage } from '../storage/types.js';
import type { Clock, RandomSource } from './clock.js';
import type { RaftEvents } from './events.js';
import { unreachableVoterToRemove } from './member-timeout.js';
import { microtask } from './microtask.js';
import { protocolConfig, type RaftTuning, type StateMachine } from './options.js';
import { type AbortSignalLike, PendingRequests, type ProposeResult } from './pending.js';
import { createSafeEmitter } from './safe-emitter.js';
import { type AppliedRecord, type SessionSnapshot, SessionTable } from './sessions.js';
import { TransferWaiters } from './transfer-waiters.js';

/** What a snapshot's `data` holds: the state machine's state and the client sessions (thesis 6.3). */
interface SnapshotData {
  state: unknown;
  sessions: SessionSnapshot;
}

/** A proposal sent but not yet applied: retried if its leader changes or it seems lost. */
interface InflightProposal {
  entry: ProposedEntry;
  /** When to send it again if it has not applied by then (the leader's `messageTimeout` after sending). */
  retryAt: number;
  leader: NodeId | null;
  term: number;
  /** How many times it was sent (0: held, no leader was known). */
  attempts: number;
  /**
   * A later attempt went to another leader or term than the first. A leader decides once per term on
   * each forwarded proposal (ForwardedDecisions), so while every attempt went to one leader in one
   * term its refusal is final; after that, an earlier copy may still commit elsewhere.
   */
  retargeted: boolean;
}

export interface RaftNodeOptions {
  id: NodeId;
  /** Initial voters, the same list on every initial member; [] for a node that waits to be added. */
  peers: NodeId[];
  storage: RaftStorage;
  stateMachine?: StateMachine;
  /** Hands a message to the transport. Must not throw. */
  send(to: NodeId, message: Message): void;
  clock: Clock;
  random: RandomSource;
  timing: { electionTimeout: number; heartbeatInterval: number; candidateTimeout?: () => number };
  tuning: RaftTuning;
  /** Identifies this node's proposals in the log (exactly-once bookkeeping). */
  clientId: string;
  /** How long a request forwarded to `to` may go unanswered before it is sent again (its NodeInstance's `messageTimeout`). */
  messageTimeout?(to: NodeId): number;
}

/** Processing runs in one event-loop turn before the runtime yields to timers and I/O. */
const MAX_RUNS_PER_TURN = 256;

/** Backoff for retrying a storage write that failed (quota, blocked, connection lost). */
const STORAGE_RETRY_MS = 200;

/**
 * The runtime around the pure protocol: it loads and persists state, runs the one timer, moves
 * messages, applies committed entries and settles promises. It obeys the persistence contract
 * (DESIGN.md section 2): hard state and entries are durable before any message that depends on them
 * is sent, and entries are applied in order, once, after they are durable.
 */
export class RaftNode {
  readonly id: NodeId;
  readonly events: Emitter<RaftEvents> = createSafeEmitter();
  private readonly opts: RaftNodeOptions;
  private core: RaftCore | null = null;

  private running = false;
  private processing = false;
  private processScheduled = false;
  private persisting: Promise<void> = Promise.resolve();
  private timer: unknown = undefined;
  private timerDeadline = Number.POSITIVE_INFINITY;

  private lastApplied = 0;
  private lastSnapshotIndex = 0;
  private lastStatus: RaftStatus | null = null;

  private seq = 0;
  private proposalQueue: ProposedEntry[] = [];
  /** Encoded length of each queued proposal's data (known for commands, measured later otherwise). */
  private proposalLengths: (number | undefined)[] = [];
  private readonly sessions = new SessionTable();
  /** Proposals waiting to apply; once sent, each keeps its `InflightProposal` for retries. */
  private readonly proposals: PendingRequests<number, ProposeResult, InflightProposal>;
  private readCounter = 0;
  private readonly reads: PendingRequests<string, { index: number }>;
  /** Reads confirmed at an index not yet applied here. */
  private readsWaitingApply: ReadState[] = [];

  constructor(opts: RaftNodeOptions) {
    this.opts = opts;
    this.id = opts.id;
    this.proposals = new PendingRequests(
      opts.clock,
      'the proposal',
      // A proposal that timed out without ever being sent was refused, not of unknown outcome.
      (_seq, inflight) =>
        inflight?.attempts === 0
          ? new ProposalRefusedError('no leader was known before the proposal timed out', 'NO_LEADER')
          : null,
    );
    // A read has no effect, so a read that timed out was simply not served: safe to retry.
    this.transfers = new TransferWaiters(opts.clock);
    this.reads = new PendingRequests(
      opts.clock,
      'the read',
      () => new ProposalRefusedError('the read was not confirmed in time', 'READ_TIMEOUT'),
    );
  }

  // ---------------------------------------------------------------- lifecycle

  async start(): Promise<void> {
    if (this.running || this.core) throw new ConfigurationError('a RaftNode can be started once');
    const { opts } = this;
    const state = await opts.storage.load();
    if (state.snapshot) this.restoreStateMachine(state.snapshot);
    this.lastConfig = state.snapshot?.meta.config ?? { voters: [...opts.peers], learners: [] };
    this.lastApplied = state.snapshot?.meta.index ?? 0;
    this.lastSnapshotIndex = this.lastApplied;
    this.core = new RaftCore(protocolConfig(opts.id, opts.tuning, opts.timing, opts.random), {
      hardState: state.hardState,
      snapshot: state.snapshot,
      entries: state.entries,
      bootstrap: { voters: [...opts.peers], learners: [] },
      now: opts.clock.now(),
    });
    this.running = true;
    this.lastStatus = this.core.status();
    this.afterInput();
  }

  /** Stops taking part. Waits for an in-flight write, then closes storage. */
  async stop(): Promise<void> {
    if (!this.running) return;
    // A graceful shutdown costs no election: hand leadership over first when there is someone to take it.
    if (this.core!.role === 'leader' && this.mostUpToDateVoter() !== null) {
      await this.transferLeadership().catch(() => undefined);
    }
    if (!this.running) return;
    this.halt();
    await this.persisting.catch(() => undefined);
    await this.opts.storage.close?.();
  }

  /** Stops at once, as a crash would: nothing more is written or sent. For the simulator. */
  crash(): void {
    if (this.running) this.halt();
  }

  private halt(): void {
    this.running = false;
    if (this.timer !== undefined) this.opts.clock.clearTimer(this.timer);
    this.timer = undefined;
    const refused = () => new NodeStoppedError();
    const unknown = () => new OutcomeUnknownError('the node stopped before the outcome was known', 'STOPPED');
    this.proposals.failAll(refused, unknown);
    this.reads.failAll(refused, refused);
    this.proposalQueue = [];
    this.proposalLengths = [];
    this.transfers.failAll(() => new NodeStoppedError());
  }

  get isRunning(): boolean {
    return this.running;
  }

  // ---------------------------------------------------------------- inputs

  /** A validated message from the network. */
  receive(message: Message): void {
    if (!this.running) return;
    this.runsWithoutYield = 0;
    if (message.type === 'proposeRefused') {
      this.onProposeRefused(message.client, message.seqs, message.code, message.reason);
      return;
    }
    this.core!.step(message, this.opts.clock.now());
    this.afterInput();
  }

  private onProposeRefused(client: string, seqs: number[], code: string, reason: string): void {
    if (client !== this.opts.clientId) return;
    for (const seq of seqs) {
      const p = this.proposals.stateOf(seq);
      if (!p) continue;
      this.proposals.settleError(
        seq,
        !p.retargeted
          ? new ProposalRefusedError(`the leader refused the proposal: ${reason}`, code)
          : new OutcomeUnknownError(
              `the leader refused a retry of the proposal (${reason}); an earlier attempt may still apply`,
              code,
            ),
      );
    }
  }

  propose(
    command: unknown,
    options?: { timeoutMs?: number; signal?: AbortSignalLike },
  ): Promise<ProposeResult> {
    if (!this.running) return Promise.reject(new NodeStoppedError());
    if (options?.signal?.aborted) {
      return Promise.reject(
        new ProposalRefusedError('the proposal was aborted before it was sent', 'ABORTED'),
      );
    }
    let data: unknown;
    let encoded: string | undefined;
    try {
      // A deep copy through JSON: the log must not share objects the caller may mutate later, and
      // every node must see exactly what the followers will decode.
      encoded = JSON.stringify(command);
      if (encoded === undefined) throw new TypeError(`${typeof command} is not JSON`);
      data = JSON.parse(encoded);
    } catch (cause) {
      return Promise.reject(
        new ConfigurationError(`the command is not JSON-serializable: ${(cause as Error).message}`),
      );
    }
    const limit = this.opts.tuning.maxCommandBytes;
    if (encoded.length > limit) {
      return Promise.reject(
        new ProposalRefusedError(
          `the command is ${encoded.length} characters of JSON; the limit is ${limit}`,
          'TOO_LARGE',
        ),
      );
    }
    let timeout: number;
    try {
      timeout = timeoutOf(options?.timeoutMs, this.opts.tuning.proposalTimeout);
    } catch (error) {
      return Promise.reject(error);
    }
    const seq = ++this.seq;
    const promise = this.proposals.add(seq, timeout, options?.signal);
    const entry: ProposedEntry = { kind: 'command', data, client: this.opts.clientId, seq };
    this.enqueue(entry, encoded.length);
    return promise;
  }

  /**
   * Changes the membership through the log, one server at a time (thesis 4.1). `change` maps the
   * latest configuration to the wanted one, or null when there is nothing to do. Resolves once the
   * change is committed and applied here.
   */
  async changeMembership(
    change: (config: ClusterConfig) => ClusterConfig | null,
    timeoutMs?: number,
  ): Promise<void> {
    const deadline = this.opts.clock.now() + timeoutOf(timeoutMs, this.opts.tuning.proposalTimeout);
    const waitHeartbeat = () =>
      new Promise<void>((resolve) => this.opts.clock.setTimer(this.opts.timing.heartbeatInterval, resolve));
    for (;;) {
      if (!this.running) throw new NodeStoppedError();
      const membership = this.core!.membership;
      const current = membership.config;
      const next = change(current);
      if (next === null) {
        // Nothing to change in the latest configuration. It takes effect when appended (thesis 4.1),
        // so it may not be committed yet, and may still be truncated away: done only once it applied here.
        if (membership.index <= this.lastApplied) return;
        if (this.opts.clock.now() >= deadline)
          throw new OutcomeUnknownError('the configuration change did not apply in time', 'TIMEOUT');
        await waitHeartbeat();
        continue;
      }
      // The base fingerprint makes a late duplicate of this change harmless (see ClusterConfig.base).
      next.base = configFingerprint(current);
      const seq = ++this.seq;
      const promise = this.proposals.add(seq, Math.max(1, deadline - this.opts.clock.now()));
      this.enqueue({ kind: 'config', data: next, client: this.opts.clientId, seq }, undefined);
      try {
        await promise;
        return;
      } catch (error) {
        // Another change is still in flight, or the configuration moved on: wait a heartbeat, recompute, retry.
        const transient =
          error instanceof ProposalRefusedError &&
          (error.code === 'CONFIG_PENDING' || error.code === 'CONFIG_STALE');
        if (!transient || this.opts.clock.now() >= deadline) throw error;
        await waitHeartbeat();
      }
    }
  }

  /**
   * Hands leadership to `to`, or to the most up-to-date voter (thesis 3.10). Resolves when the target
   * leads; rejects if this node is not the leader, or when the transfer does not finish within an
   * election timeout (the old leader then takes proposals again).
   */
  transferLeadership(to?: NodeId): Promise<void> {
    if (!this.running) return Promise.reject(new NodeStoppedError());
    const core = this.core!;
    if (core.role !== 'leader')
      return Promise.reject(
        new ProposalRefusedError('only the leader can transfer leadership', 'NOT_LEADER'),
      );
    const target = to ?? this.mostUpToDateVoter();
    if (target === null)
      return Promise.reject(
        new ProposalRefusedError('there is no other voter to transfer leadership to', 'NO_TARGET'),
      );
    if (target === this.id) return Promise.resolve();
    const outcome = core.transferLeader(target, this.opts.clock.now());
    if (!outcome.ok) return Promise.reject(new ProposalRefusedError(outcome.reason, outcome.code));
    const promise = this.transfers.wait(target, 2 * this.opts.timing.electionTimeout);
    this.afterInput();
    return promise;
  }

  private readonly transfers: TransferWaiters;

  private mostUpToDateVoter(): NodeId | null {
    const core = this.core!;
    let best: NodeId | null = null;
    let bestMatch = -1;
    for (const id of core.membership.config.voters) {
      if (id === this.id) continue;
      const match = core.progressOf(id)?.match ?? 0;
      if (match > bestMatch) {
        best = id;
        bestMatch = match;
      }
    }
    return best;
  }

  /**
   * `memberTimeout`: the leader removes a voter it has not heard from for that long, one at a time,
   * and only while the voters it does hear from would still be a majority without it.
   */
  private removeUnreachableVoters(): void {
    const timeout = this.opts.tuning.memberTimeout;
    const core = this.core!;
    if (timeout <= 0 || core.role !== 'leader' || this.removingMember) return;
    const gone = unreachableVoterToRemove(
      core.membership.config.voters,
      this.id,
      (id) => core.progressOf(id)?.lastResponseAt,
      this.opts.clock.now(),
      timeout,
    );
    if (gone === null) return;
    this.removingMember = true;
    this.changeMembership((c) =>
      c.voters.includes(gone) ? { voters: c.voters.filter((v) => v !== gone), learners: c.learners } : null,
    )
      .catch((error: RaftError) => this.events.emit('error', error))
      .finally(() => {
        this.removingMember = false;
      });
  }

  private removingMember = false;

  /** Linearizable read barrier (thesis 6.4): resolves once everything committed before the call is applied here. */
  read(options: { timeoutMs?: number } = {}): Promise<{ index: number }> {
    if (!this.running) return Promise.reject(new NodeStoppedError());
    let timeout: number;
    try {
      timeout = timeoutOf(options.timeoutMs, this.opts.tuning.proposalTimeout);
    } catch (error) {
      return Promise.reject(error);
    }
    const context = `${this.opts.clientId}:${++this.readCounter}`;
    const promise = this.reads.add(context, timeout);
    const outcome = this.core!.readIndex(context, this.opts.clock.now());
    if (!outcome.ok && outcome.code === 'NO_LEADER') {
      // As a proposal does, a read made while no leader is known waits for one (up to its timeout).
      this.readsInflight.set(context, { retryAt: Number.NEGATIVE_INFINITY, leader: null });
    } else if (!outcome.ok) {
      this.reads.settleError(context, new ProposalRefusedError(outcome.reason, outcome.code));
    } else {
      this.reads.markAccepted(context);
      const sentTo = outcome.forwardedTo ?? this.id;
      this.readsInflight.set(context, { retryAt: this.retryAt(sentTo), leader: sentTo });
    }
    this.afterInput();
    return promise;
  }

  /**
   * When a request sent to `to` is sent again if unanswered: after that peer's `messageTimeout`. Our
   * own log needs no retry (only a change of leader, handled separately); nor does no leader at all.
   */
  private retryAt(to: NodeId | null): number {
    if (to === null || to === this.id) return Number.POSITIVE_INFINITY;
    return this.opts.clock.now() + (this.opts.messageTimeout?.(to) ?? this.opts.timing.electionTimeout);
  }

  /** Reads waiting for their read index: where they were sent, so a lost request can be sent again. */
  private readonly readsInflight = new Map<string, { retryAt: number; leader: NodeId | null }>();

  /**
   * Asks again for read indexes not answered within an election timeout or whose leader changed (the
   * request or its answer was lost). The leader treats a repeated context as the same read, and an
   * index taken later than the call is still a linearizable one.
   */
  private retryReads(): void {
    if (this.readsInflight.size === 0) return;
    const core = this.core!;
    const now = this.opts.clock.now();
    for (const [context, r] of this.readsInflight) {
      if (!this.reads.has(context)) {
        this.readsInflight.delete(context);
        continue;
      }
      if (core.leader === null) continue;
      if (core.leader === r.leader && now < r.retryAt) continue;
      const outcome = core.readIndex(context, now);
      if (outcome.ok) {
        const sentTo = outcome.forwardedTo ?? this.id;
        this.readsInflight.set(context, { retryAt: this.retryAt(sentTo), leader: sentTo });
      }
    }
  }

  /** Start an election now (tests and tools). */
  campaign(): void {
    if (!this.running) return;
    this.core!.campaignNow();
    this.afterInput();
  }

  /** Queues a proposal; all proposals of one turn of promise work go to the protocol as one batch. */
  private enqueue(entry: ProposedEntry, dataLength: number | undefined): void {
    this.proposalQueue.push(entry);
    this.proposalLengths.push(dataLength);
    if (this.proposalQueue.length === 1) microtask(this.flushProposals);
  }

  /** An arrow function, so that queuing it allocates nothing per proposal. */
  private readonly flushProposals = (): void => {
    const queued = this.proposalQueue;
    const lengths = this.proposalLengths;
    this.proposalQueue = [];
    this.proposalLengths = [];
    if (!this.running || queued.length === 0) return;
    if (queued.every(this.isPendingCommand)) this.proposeBatch(queued, lengths);
    else this.proposeSeparately(queued, lengths);
    this.afterInput(true);
  };

  /** A command still waiting for its outcome: the common case, where a turn's proposals go as one batch. */
  private readonly isPendingCommand = (e: ProposedEntry): boolean =>
    e.kind !== 'config' && this.proposals.has(e.seq!);

  /**
   * A turn with an aborted proposal or a configuration change in it. A proposal settled while it was
   * queued (aborted) is never sent. A configuration change goes alone: its refusal (CONFIG_PENDING,
   * CONFIG_STALE) must not take the turn's commands with it.
   */
  private proposeSeparately(queued: ProposedEntry[], lengths: readonly (number | undefined)[]): void {
    const commands: ProposedEntry[] = [];
    const commandLengths: (number | undefined)[] = [];
    const changes: ProposedEntry[] = [];
    for (let i = 0; i < queued.length; i++) {
      const e = queued[i]!;
      if (!this.proposals.has(e.seq!)) continue;
      if (e.kind === 'config') {
        changes.push(e);
      } else {
        commands.push(e);
        commandLengths.push(lengths[i]);
      }
    }
    if (commands.length > 0) this.proposeBatch(commands, commandLengths);
    for (const change of changes) this.proposeBatch([change], NO_LENGTHS);
  }

  /** Hands one batch to the protocol and records, per proposal, where it went (or why it was refused). */
  private proposeBatch(entries: ProposedEntry[], lengths: readonly (number | undefined)[]): void {
    const core = this.core!;
    const outcome = core.propose(entries, this.opts.clock.now(), lengths);
    const leader = outcome.ok ? (outcome.forwardedTo ?? this.id) : null;
    const retryAt = this.retryAt(leader);
    const term = core.term;
    for (const e of entries) {
      if (outcome.ok) {
        this.proposals.track(
          e.seq!,
          { entry: e, retryAt, leader, term, attempts: 1, retargeted: false },
          true,
        );
      } else if (outcome.code === 'NO_LEADER') {
        // No leader yet (start-up, election under way): hold it and send it once one is known.
        this.proposals.track(
          e.seq!,
          { entry: e, retryAt, leader, term, attempts: 0, retargeted: false },
          false,
        );
      } else {
        this.proposals.settleError(e.seq!, new ProposalRefusedError(outcome.reason, outcome.code));
      }
    }
  }

  /**
   * Re-sends proposals that may have been lost: forwarded ones not applied after an election timeout
   * (the message or the leader may be gone), and any whose leader changed since. The session table
   * makes a retry that duplicates an entry harmless: it is applied once (thesis 6.3).
   */
  private retryInflight(): void {
    if (this.proposals.size === 0) return;
    const core = this.core!;
    const now = this.opts.clock.now();
    const leader = core.leader;
    if (leader === null) return;
    const commands: InflightProposal[] = [];
    const changes: InflightProposal[] = [];
    // Settled proposals are no longer there: every one left still waits.
    for (const p of this.proposals.states()) {
      const leaderChanged = p.leader !== leader || p.term !== core.term;
      const stale = now >= p.retryAt;
      if (leaderChanged || stale) (p.entry.kind === 'config' ? changes : commands).push(p);
    }
    // As in flushProposals: commands in one batch, each configuration change alone.
    if (commands.length > 0) this.resend(commands, now);
    for (const change of changes) this.resend([change], now);
  }

  private resend(retry: InflightProposal[], now: number): void {
    const core = this.core!;
    const outcome = core.propose(
      retry.map((p) => p.entry),
      now,
    );
    if (!outcome.ok) {
      // Refused here, by this node as leader. One never sent before is simply refused; one sent
      // before may still apply from an earlier copy, so it waits (and is retried) until its timeout.
      for (const p of retry)
        if (p.attempts === 0)
          this.proposals.settleError(p.entry.seq!, new ProposalRefusedError(outcome.reason, outcome.code));
      return;
    }
    const sentTo = outcome.forwardedTo ?? this.id;
    const retryAt = this.retryAt(sentTo);
    for (const p of retry) {
      if (p.attempts === 0) this.proposals.markAccepted(p.entry.seq!);
      else if (p.leader !== sentTo || p.term !== core.term) p.retargeted = true;
      p.retryAt = retryAt;
      p.leader = sentTo;
      p.term = core.term;
      p.attempts++;
    }
  }

  // ---------------------------------------------------------------- status

  status(): RaftStatus {
    if (!this.core) throw new ConfigurationError('the node has not started');
    return this.core.status();
  }

  get appliedIndex(): number {
    return this.lastApplied;
  }

  /** The protocol, for the simulator's invariant checks and for tests. Read only. */
  get protocol(): RaftCore {
    if (!this.core) throw new ConfigurationError('the node has not started');
    return this.core;
  }

  // ---------------------------------------------------------------- the loop

  /** After every input: report role changes, process what the protocol produced, re-arm the timer. */
  /**
   * `batched`: the input was already a batch (all proposals of a turn of promise work), so processing
   * starts at once instead of waiting one more microtask for further inputs to join it.
   */
  private afterInput(batched = false): void {
    this.reportStatusChanges();
    this.transfers.settle(this.core!);
    if (this.core!.hasReady() && !this.processing && !this.processScheduled) {
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
  }

  /** `process` for the microtask queue, made once. */
  private readonly processLater = (): void => this.process();

  /** Processing runs since the event loop last turned (a message arrived or a timer fired). */
  private runsWithoutYield = 0;

  private deferredFlushScheduled = false;

  /**
   * Work the protocol holds back to the end of the turn (see `RaftCore.flushDeferred`): a new commit
   * index no append carried, and one heartbeat round for all reads of the turn.
   */
  private scheduleDeferredFlush(): void {
    if (this.deferredFlushScheduled || !this.core!.hasDeferred) return;
    this.deferredFlushScheduled = true;
    this.opts.clock.defer(this.flushDeferred);
  }

  /** An arrow function, so that deferring it allocates nothing per commit. */
  private readonly flushDeferred = (): void => {
    this.deferredFlushScheduled = false;
    if (!this.running || !this.core!.hasDeferred) return;
    this.core!.flushDeferred();
    this.afterInput();
  };

  /**
   * Works off what the protocol produced, one Ready (a round) at a time: send what may go before the
   * write, persist, send the rest, acknowledge, apply. It runs several times per commit, so it is no
   * async function (an async function's promise and frame cost more than the rest of a round): it
   * runs synchronously until a round must wait for its write, a snapshot install or seed-style
   * `apply` listeners, and goes on from that promise's callback. `processing` stays true from the
   * start to the end, waits included, so rounds never overlap.
   */
  private process(): void {
    this.processScheduled = false;
    if (this.processing) return;
    this.processing = true;
    this.runRounds();
  }

  /** Starts rounds until none is left or one must wait. */
  private runRounds(): void {
    const core = this.core!;
    let outcome: RoundOutcome = 'done';
    try {
      while (outcome === 'done' && this.running) {
        const hasReady = core.hasReady();
        if (!hasReady && this.compaction === null) break;
        outcome = this.startRound(hasReady ? core.ready(this.opts.tuning.maxApplyBatch) : EMPTY_READY);
      }
    } catch (error) {
      this.endRounds();
      throw error;
    }
    if (outcome !== 'waiting') this.endRounds();
  }

  private endRounds(): void {
    this.processing = false;
    if (this.running) {
      this.armTimer();
      this.scheduleDeferredFlush();
    }
  }

  /** The round waiting for a promise, and (while it is written) its batch, for a retry. */
  private waitingRound: Ready | null = null;
  private batchInFlight: PersistBatch | null = null;

  /** Parks `rd` until `promise` settles, then goes on with `next` (or ends the rounds on failure). */
  private waitFor(rd: Ready, promise: Promise<void>, next: () => void): RoundOutcome {
    this.waitingRound = rd;
    promise.then(next, this.onRoundFailed);
    return 'waiting';
  }

  /** Goes on with the parked round at `stage`, then with the rounds after it. */
  private resume(stage: (rd: Ready) => RoundOutcome): void {
    const rd = this.waitingRound!;
    this.waitingRound = null;
    let outcome: RoundOutcome;
    try {
      outcome = this.running ? stage(rd) : 'stopped';
    } catch (error) {
      this.endRounds();
      throw error;
    }
    if (outcome === 'done') this.runRounds();
    else if (outcome === 'stopped') this.endRounds();
  }

  // The stages of a round, in order. Each returns 'done' when the round is over, 'waiting' when it
  // parked itself, or 'stopped'. Arrow functions, made once, as they are also promise callbacks.

  private readonly startRound = (rd: Ready): RoundOutcome => {
    this.sendAll(rd.earlyMessages);
    const batch = toPersistBatch(rd, this.compaction);
    this.compaction = null;
    if (batch === null) return this.afterWrite(rd);
    let written: Promise<void>;
    try {
      written = this.opts.storage.persist(batch);
    } catch (cause) {
      written = Promise.reject(cause);
    }
    this.persisting = written;
    this.batchInFlight = batch;
    this.waitingRound = rd;
    written.then(this.onWritten, this.onWriteFailed);
    return 'waiting';
  };

  private readonly onWritten = (): void => {
    this.batchInFlight = null;
    this.resume(this.afterWrite);
  };

  /** A write failed: retry it until it succeeds (or the node stops); nothing that depends on it happens first. */
  private readonly onWriteFailed = (cause: unknown): void => {
    this.retryPersist(this.batchInFlight!, cause).then(this.onWritten, () => {
      // The node stopped while retrying (the failure was reported as an `error` event).
      this.batchInFlight = null;
      this.waitingRound = null;
      this.endRounds();
    });
  };

  private readonly afterWrite = (rd: Ready): RoundOutcome => {
    if (!this.running) return 'stopped';
    if (rd.snapshot) return this.waitFor(rd, this.installSnapshot(rd.snapshot), this.onInstalled);
    return this.afterInstall(rd);
  };

  private readonly onInstalled = (): void => this.resume(this.afterInstall);

  private readonly afterInstall = (rd: Ready): RoundOutcome => {
    if (!this.running) return 'stopped';
    this.sendAll(rd.messages);
    this.core!.advance(rd);
    if (rd.committedEntries.length > 0) {
      const applying = this.applyEntries(rd.committedEntries);
      if (applying) return this.waitFor(rd, applying, this.onApplied);
    }
    return this.afterApply(rd);
  };

  private readonly onApplied = (): void => this.resume(this.afterApply);

  private readonly afterApply = (rd: Ready): RoundOutcome => {
    if (!this.running) return 'stopped';
    const readStates = rd.readStates;
    for (let i = 0; i < readStates.length; i++) this.onReadState(readStates[i]!);
    this.maybeCompact();
    this.reportStatusChanges();
    return 'done';
  };

  /**
   * A round's wait failed: the state machine could not restore a snapshot from the leader. Nothing
   * after it can be applied on a state of unknown shape, so the node stops (as a crash would; a
   * restart loads the snapshot again) and says why on the `error` event.
   */
  private readonly onRoundFailed = (error: unknown): void => {
    this.waitingRound = null;
    this.events.emit('error', new ApplicationError('stateMachine.restore()', error));
    this.halt();
    this.endRounds();
  };

  /** A write failed: report it and retry until it succeeds; nothing that depends on it may happen first. */
  private async retryPersist(batch: PersistBatch, firstCause: unknown): Promise<void> {
    let cause = firstCause;
    for (;;) {
      const error =
        cause instanceof StorageError
          ? cause
          : new StorageError(`storage write failed: ${String(cause)}`, 'IO', { cause });
      this.events.emit('error', error);
      if (!this.running) throw error;
      await new Promise<void>((resolve) => this.opts.clock.setTimer(STORAGE_RETRY_MS, resolve));
      if (!this.running) throw error;
      try {
        const written = this.opts.storage.persist(batch);
        this.persisting = written;
        await written;
        return;
      } catch (next) {
        cause = next;
      }
    }
  }

  private sendAll(messages: readonly Message[]): void {
    // Indexed loops on the commit path: a Ready's arrays are of two kinds (fresh, or the shared frozen
    // empty one), and over both a for-of is not optimized into a plain loop (it allocated per step).
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i]!;
      this.opts.send(m.to, m);
    }
  }

  private armTimer(): void {
    if (!this.running) return;
    const deadline = this.core!.nextDeadline();
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
    if (!this.running) return;
    this.runsWithoutYield = 0;
    // Elapsed time, not the number of callbacks: a throttled tab's late timer sees the real delay.
    this.core!.tick(this.opts.clock.now());
    this.retryInflight();
    this.retryReads();
    this.removeUnreachableVoters();
    this.afterInput();
  }

  // ---------------------------------------------------------------- applying

  /**
   * Applies committed entries in order. Synchronous unless seed-style `apply` listeners must call
   * back, in which case each entry waits for them (returns the promise of that work).
   */
  private applyEntries(entries: readonly Entry[]): Promise<void> | undefined {
    const listeners = this.events.events.apply;
    if (listeners !== undefined && listeners.length > 0) return this.applyEntriesWithListeners(entries);
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      if (!this.skipDuplicate(entry)) this.finishApply(entry, this.applyToStateMachine(entry));
    }
    this.afterApplyBatch();
    return undefined;
  }

  private async applyEntriesWithListeners(entries: readonly Entry[]): Promise<void> {
    for (const entry of entries) {
      if (this.skipDuplicate(entry)) continue;
      const outcome = this.applyToStateMachine(entry);
      if (entry.kind === 'command') await this.runApplyListeners(entry);
      if (!this.running) return;
      this.finishApply(entry, outcome);
    }
    this.afterApplyBatch();
  }

  /**
   * Thesis 6.3: a retry of a command already applied is skipped by every node alike; its proposer is
   * answered with the first application's outcome. Returns whether `entry` was such a retry.
   */
  private skipDuplicate(entry: Entry): boolean {
    const { client, seq } = entry;
    if (client === undefined || seq === undefined) return false;
    const earlier = this.sessions.lookup(client, seq);
    if (earlier === false) return false;
    this.lastApplied = entry.index;
    this.sessions.expire(entry.index);
    if (client === this.opts.clientId) {
      if (earlier === true)
        this.proposals.resolve(seq, { index: entry.index, term: entry.term, result: undefined });
      else this.settleProposal(seq, earlier);
    }
    return true;
  }

  /** The proposer's promise gets what the (first) application gave: its result, or the state machine's throw. */
  private settleProposal(seq: number, record: AppliedRecord): void {
    if (record.error === undefined) this.proposals.resolve(seq, record);
    else this.proposals.settleError(seq, applyFailed(record.error));
  }

  /** Runs a command through the state machine. A throw is deterministic (every node throws alike). */
  private applyToStateMachine(entry: Entry): { result: unknown; failure: unknown } {
    if (entry.kind !== 'command' || !this.opts.stateMachine) return { result: undefined, failure: undefined };
    try {
      return {
        result: this.opts.stateMachine.apply(entry.data, { index: entry.index, term: entry.term }),
        failure: undefined,
      };
    } catch (failure) {
      return { result: undefined, failure };
    }
  }

  /** Records an applied entry: session table, membership events, the proposer's promise, `updated`. */
  private finishApply(entry: Entry, { result, failure }: { result: unknown; failure: unknown }): void {
    this.lastApplied = entry.index;
    this.sessions.expire(entry.index);
    if (entry.kind === 'config') this.reportMembership(entry.data as ClusterConfig);
    const { client, seq } = entry;
    if (client !== undefined && seq !== undefined) {
      // One object serves as the session record and as what propose() resolves with. A throw of the
      // state machine is recorded too, so a retry is answered alike on every node.
      const record: AppliedRecord = { index: entry.index, term: entry.term, result };
      if (failure !== undefined) record.error = String(failure);
      this.sessions.record(client, seq, record);
      if (client === this.opts.clientId) this.settleProposal(seq, record);
    }
    const updated = this.events.events.updated;
    if (entry.kind === 'command' && updated !== undefined && updated.length > 0)
      this.events.emit('updated', entry.index);
  }

  private afterApplyBatch(): void {
    this.releaseReads();
  }

  /** The seed's `apply(entry, index, cb)` event: every listener must call back before the next entry. */
  private async runApplyListeners(entry: Entry): Promise<void> {
    const seedEntry = { command: entry.data, term: entry.term, index: entry.index };
    for (;;) {
      const listeners = [...(this.events.events.apply ?? [])];
      const errors: unknown[] = [];
      await Promise.all(
        listeners.map(
          (listener) =>
            new Promise<void>((resolve) => {
              try {
                listener(seedEntry, entry.index, (err?: unknown) => {
                  if (err) errors.push(err);
                  resolve();
                });
              } catch (err) {
                errors.push(err);
                resolve();
              }
            }),
        ),
      );
      if (errors.length === 0 || !this.running) return;
      // The entry is committed: it must be applied before anything after it. Report and retry.
      this.events.emit('error', new ApplicationError("'apply' listener", errors[0]));
      await new Promise<void>((resolve) => this.opts.clock.setTimer(STORAGE_RETRY_MS, resolve));
    }
  }

  private restoreStateMachine(snapshot: Snapshot): void {
    const data = snapshot.data as SnapshotData | null;
    this.sessions.restore(data?.sessions);
    if (this.opts.stateMachine && data && data.state !== null && data.state !== undefined) {
      // A copy: the state machine may keep and change what it is given, and this snapshot is also
      // what the node sends to followers that fall behind.
      this.opts.stateMachine.restore(cloneJson(data.state));
    }
  }

  /** A snapshot from the leader replaced our log: restore the state, and let seed-style users reload theirs. */
  private async installSnapshot(snapshot: Snapshot): Promise<void> {
    this.restoreStateMachine(snapshot);
    this.settleProposalsIn(snapshot);
    const listeners = this.events.events.refresh ?? [];
    const given = { meta: snapshot.meta, data: (snapshot.data as SnapshotData | null)?.state ?? null };
    await Promise.all(
      listeners.map(
        (listener) =>
          new Promise<void>((resolve) => {
            try {
              listener(() => resolve(), given);
            } catch (error) {
              // A listener that throws cannot hold up applying for good: report it and go on.
              this.events.emit('error', new ApplicationError("'refresh' listener", error));
              resolve();
            }
          }),
      ),
    );
    this.lastApplied = snapshot.meta.index;
    this.lastSnapshotIndex = snapshot.meta.index;
    this.reportMembership(snapshot.meta.config);
    this.releaseReads();
  }

  /**
   * Proposals of ours that the snapshot's state already holds: their entries were applied on the
   * leader's side of the snapshot and will never be applied here. They are answered from the session
   * table the snapshot carries (thesis 6.3) instead of waiting for a retry to come back as a duplicate.
   */
  private settleProposalsIn(snapshot: Snapshot): void {
    for (const p of this.proposals.states()) {
      const seq = p.entry.seq!;
      const earlier = this.sessions.lookup(this.opts.clientId, seq);
      if (earlier === false) continue;
      if (earlier === true) {
        // Applied, but its result is no longer kept: at or before the snapshot's index.
        this.proposals.resolve(seq, {
          index: snapshot.meta.index,
          term: snapshot.meta.term,
          result: undefined,
        });
      } else {
        this.settleProposal(seq, earlier);
      }
    }
  }

  /** Paper section 7: snapshot the state machine and compact the log once it grew by `snapshotThreshold`. */
  private maybeCompact(): void {
    const { tuning, stateMachine } = this.opts;
    if (this.lastApplied - this.lastSnapshotIndex < tuning.snapshotThreshold) return;
    const core = this.core!;
    const index = this.lastApplied;
    const term = core.log.term(index);
    if (term === undefined) return;
    this.lastSnapshotIndex = index;
    let state: unknown = null;
    try {
      // A copy, detached from the live state the state machine goes on changing.
      if (stateMachine) state = cloneJson(stateMachine.snapshot());
    } catch (error) {
      // No compaction this time (the log keeps growing until a later snapshot works).
      this.events.emit('error', new ApplicationError('stateMachine.snapshot()', error));
      return;
    }
    const snapshot: Snapshot = {
      meta: { index, term, config: core.configAt(index) },
      data: { state, sessions: this.sessions.toSnapshot() } satisfies SnapshotData,
    };
    core.compact(snapshot, tuning.snapshotTrailingEntries);
    this.compaction = snapshot;
  }

  /** A compaction snapshot waiting to be written with the next batch. */
  private compaction: Snapshot | null = null;

  // ---------------------------------------------------------------- reads

  private onReadState(rs: ReadState): void {
    this.readsInflight.delete(rs.context);
    if (!this.reads.has(rs.context)) return;
    if (rs.index < 0) {
      this.reads.settleError(
        rs.context,
        new ProposalRefusedError('leadership changed before the read was confirmed', 'NOT_LEADER'),
      );
      return;
    }
    this.readsWaitingApply.push(rs);
    this.releaseReads();
  }

  private releaseReads(): void {
    if (this.readsWaitingApply.length === 0) return;
    const still: ReadState[] = [];
    for (const rs of this.readsWaitingApply) {
      if (rs.index <= this.lastApplied) this.reads.resolve(rs.context, { index: rs.index });
      else still.push(rs);
    }
    this.readsWaitingApply = still;
  }

  // ---------------------------------------------------------------- events

  private reportStatusChanges(): void {
    const prev = this.lastStatus!;
    const core = this.core!;
    const elections = core.electionsStarted;
    if (
      prev.role === core.role &&
      prev.term === core.term &&
      prev.leader === core.leader &&
      elections === this.electionsReported
    )
      return;
    const now = core.status();
    this.lastStatus = now;
    // Once per election, a pre-vote and the vote after it included; also for a candidate that tries again.
    const newElection = elections !== this.electionsReported;
    this.electionsReported = elections;
    if (now.leader !== prev.leader && now.leader !== null)
      microtask(() => {
        if (!this.running) return;
        this.retryInflight();
        this.retryReads();
      });
    if (newElection && prev.role === 'follower') this.events.emit('heartbeat timeout');
    if (newElection) this.events.emit('start election');
    if (prev.role === now.role) return;
    this.events.emit('state changed', now.role, prev.role);
    if (now.role === 'leader') this.events.emit('leader');
    else if (now.role === 'candidate') this.events.emit('candidate');
    else if (now.role === 'follower') this.events.emit('follower');
  }

  /** `RaftCore.electionsStarted` when events were last reported. */
  private electionsReported = 0;

  /** The configuration as of the last applied entry (what `join` and `leave` events were reported against). */
  private lastConfig: ClusterConfig = { voters: [], learners: [] };

  /**
   * `join` and `leave` fire on every member when a configuration applies: from a configuration entry,
   * or from a snapshot installed from the leader (which may skip several changes at once).
   */
  private reportMembership(next: ClusterConfig): void {
    const prev = this.lastConfig;
    const before = new Set([...prev.voters, ...prev.learners]);
    const after = new Set([...next.voters, ...next.learners]);
    for (const id of after) if (!before.has(id)) this.events.emit('join', id);
    for (const id of before) if (!after.has(id)) this.events.emit('leave', id);
    this.lastConfig = next;
  }
}

/** The state machine threw on the command: it did so on every node alike, and the command is not applied again. */
function applyFailed(cause: unknown): ProposalRefusedError {
  return new ProposalRefusedError(
    `the state machine rejected the command: ${String(cause)}`,
    'APPLY_FAILED',
    { cause },
  );
}

/** A request's own `timeoutMs`, or the default. */
function timeoutOf(requested: number | undefined, fallback: number): number {
  if (requested === undefined) return fallback;
  if (typeof requested !== 'number' || !Number.isFinite(requested) || requested <= 0)
    throw new ConfigurationError(`timeoutMs must be a positive number of ms, not ${String(requested)}`);
  return requested;
}

/** No known encoded lengths (measured when needed). */
const NO_LENGTHS: readonly (number | undefined)[] = Object.freeze([]);

/** A round with nothing from the protocol (only a compaction to write). */
const EMPTY_READY: Ready = Object.freeze({
  hardState: undefined,
  entries: [],
  snapshot: undefined,
  earlyMessages: [],
  messages: [],
  committedEntries: [],
  readStates: [],
});

/** How a stage of a round ended (see `RaftNode.process`). */
type RoundOutcome = 'done' | 'waiting' | 'stopped';

function toPersistBatch(rd: Ready, compaction: Snapshot | null): PersistBatch | null {
  const batch: PersistBatch = {};
  let any = false;
  if (compaction) {
    batch.compaction = compaction;
    any = true;
  }
  if (rd.snapshot) {
    batch.snapshot = rd.snapshot;
    any = true;
  }
  if (rd.entries.length > 0) {
    batch.entries = rd.entries;
    any = true;
  }
  if (rd.hardState) {
    batch.hardState = rd.hardState;
    any = true;
  }
  return any ? batch : null;
}
