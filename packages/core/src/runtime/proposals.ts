import { NodeStoppedError, OutcomeUnknownError, ProposalRefusedError } from '../errors.js';
import { type EncodedCommand, encodeCommand } from '../protocol/encode-command.js';
import type { ClusterConfig, NodeId, ProposedEntry } from '../protocol/types.js';
import { microtask } from './microtask.js';
import { type NodeContext, retryAt, timeoutOf } from './node-context.js';
import { type AbortSignalLike, PendingRequests, type ProposeResult } from './pending.js';

/** A proposal sent but not yet applied: retried if its leader changes or it seems lost. */
export interface InflightProposal {
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

/** The promises of this node's proposals, keyed by sequence number, each with its `InflightProposal`. */
export type ProposalWaiters = PendingRequests<number, ProposeResult, InflightProposal>;

/** No known encoded lengths (measured when needed). */
const NO_LENGTHS: readonly (number | undefined)[] = Object.freeze([]);

/**
 * This node's proposals, from `propose()` to the protocol: validated, queued for one batch per turn
 * of promise work, sent to the leader (or appended, as leader), and sent again when they may have
 * been lost. The applier settles them once their entries apply (see `applier.ts`).
 */
export class Proposals {
  /** Proposals waiting to apply; once sent, each keeps its `InflightProposal` for retries. */
  readonly waiting: ProposalWaiters;
  private seq = 0;
  private queue: ProposedEntry[] = [];
  /** Encoded length of each queued proposal's data (known for commands, measured later otherwise). */
  private lengths: (number | undefined)[] = [];

  constructor(private readonly ctx: NodeContext) {
    this.waiting = new PendingRequests(
      ctx.opts.clock,
      'the proposal',
      // A proposal that timed out without ever being sent was refused, not of unknown outcome.
      (_seq, inflight) =>
        inflight?.attempts === 0
          ? new ProposalRefusedError('no leader was known before the proposal timed out', 'NO_LEADER')
          : null,
    );
  }

  propose(
    command: unknown,
    options?: { timeoutMs?: number; signal?: AbortSignalLike },
  ): Promise<ProposeResult> {
    const { opts } = this.ctx;
    if (!this.ctx.running) return Promise.reject(new NodeStoppedError());
    if (options?.signal?.aborted) {
      return Promise.reject(
        new ProposalRefusedError('the proposal was aborted before it was sent', 'ABORTED'),
      );
    }
    let encoded: EncodedCommand;
    try {
      // One walk checks that the command is plain JSON that JSON carries unchanged, measures its
      // encoded length and copies it: the log must not share objects the caller may change later,
      // and every node must see exactly what the followers decode.
      encoded = encodeCommand(command, opts.tuning.maxCommandChars);
    } catch (error) {
      return Promise.reject(error);
    }
    let timeout: number;
    try {
      timeout = timeoutOf(options?.timeoutMs, opts.tuning.proposalTimeout);
    } catch (error) {
      return Promise.reject(error);
    }
    const seq = ++this.seq;
    const promise = this.waiting.add(seq, timeout, options?.signal);
    const entry: ProposedEntry = { kind: 'command', data: encoded.data, client: opts.clientId, seq };
    this.enqueue(entry, encoded.length);
    return promise;
  }

  /** Proposes configuration `next` (see `MembershipChanges`); settles once it applies here. */
  proposeChange(next: ClusterConfig, timeoutMs: number): Promise<ProposeResult> {
    const seq = ++this.seq;
    const promise = this.waiting.add(seq, timeoutMs);
    this.enqueue({ kind: 'config', data: next, client: this.ctx.opts.clientId, seq }, undefined);
    return promise;
  }

  /** The leader refused forwarded proposals of ours. */
  onRefused(client: string, seqs: number[], code: string, reason: string): void {
    if (client !== this.ctx.opts.clientId) return;
    for (const seq of seqs) {
      const p = this.waiting.stateOf(seq);
      if (!p) continue;
      this.waiting.settleError(
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

  /** The node stopped: every proposal fails, refused if it never left this node, else of unknown outcome. */
  failAll(why?: string): void {
    const refused = () => new NodeStoppedError(why);
    const unknown = () =>
      new OutcomeUnknownError(
        why === undefined
          ? 'the node stopped before the outcome was known'
          : `${why} (the outcome is not known)`,
        'STOPPED',
      );
    this.waiting.failAll(refused, unknown);
    this.queue = [];
    this.lengths = [];
  }

  /** Queues a proposal; all proposals of one turn of promise work go to the protocol as one batch. */
  private enqueue(entry: ProposedEntry, dataLength: number | undefined): void {
    this.queue.push(entry);
    this.lengths.push(dataLength);
    if (this.queue.length === 1) microtask(this.flush);
  }

  /** An arrow function, so that queuing it allocates nothing per proposal. */
  private readonly flush = (): void => {
    const queued = this.queue;
    const lengths = this.lengths;
    this.queue = [];
    this.lengths = [];
    if (!this.ctx.running || queued.length === 0) return;
    if (queued.every(this.isPendingCommand)) this.proposeBatch(queued, lengths);
    else this.proposeSeparately(queued, lengths);
    this.ctx.wake(true);
  };

  /** A command still waiting for its outcome: the common case, where a turn's proposals go as one batch. */
  private readonly isPendingCommand = (e: ProposedEntry): boolean =>
    e.kind !== 'config' && this.waiting.has(e.seq!);

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
      if (!this.waiting.has(e.seq!)) continue;
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
    const core = this.ctx.core!;
    const outcome = core.propose(entries, this.ctx.opts.clock.now(), lengths);
    const leader = outcome.ok ? (outcome.forwardedTo ?? this.ctx.id) : null;
    const at = retryAt(this.ctx, leader);
    const term = core.term;
    for (const e of entries) {
      if (outcome.ok) {
        this.waiting.track(
          e.seq!,
          { entry: e, retryAt: at, leader, term, attempts: 1, retargeted: false },
          true,
        );
      } else if (outcome.code === 'NO_LEADER') {
        // No leader yet (start-up, election under way): hold it and send it once one is known.
        this.waiting.track(
          e.seq!,
          { entry: e, retryAt: at, leader, term, attempts: 0, retargeted: false },
          false,
        );
      } else {
        this.waiting.settleError(e.seq!, new ProposalRefusedError(outcome.reason, outcome.code));
      }
    }
  }

  /**
   * Re-sends proposals that may have been lost: forwarded ones not applied after an election timeout
   * (the message or the leader may be gone), and any whose leader changed since. The session table
   * makes a retry that duplicates an entry harmless: it is applied once (thesis 6.3).
   */
  retryInflight(): void {
    if (this.waiting.size === 0) return;
    const core = this.ctx.core!;
    const now = this.ctx.opts.clock.now();
    const leader = core.leader;
    if (leader === null) return;
    const commands: InflightProposal[] = [];
    const changes: InflightProposal[] = [];
    // Settled proposals are no longer there: every one left still waits.
    for (const p of this.waiting.states()) {
      const leaderChanged = p.leader !== leader || p.term !== core.term;
      const stale = now >= p.retryAt;
      if (leaderChanged || stale) (p.entry.kind === 'config' ? changes : commands).push(p);
    }
    // As in flush: commands in one batch, each configuration change alone.
    if (commands.length > 0) this.resend(commands, now);
    for (const change of changes) this.resend([change], now);
  }

  private resend(retry: InflightProposal[], now: number): void {
    const core = this.ctx.core!;
    const outcome = core.propose(
      retry.map((p) => p.entry),
      now,
    );
    if (!outcome.ok) {
      // Refused here, by this node as leader. One never sent before is simply refused; one sent
      // before may still apply from an earlier copy, so it waits (and is retried) until its timeout.
      for (const p of retry)
        if (p.attempts === 0)
          this.waiting.settleError(p.entry.seq!, new ProposalRefusedError(outcome.reason, outcome.code));
      return;
    }
    const sentTo = outcome.forwardedTo ?? this.ctx.id;
    const at = retryAt(this.ctx, sentTo);
    for (const p of retry) {
      if (p.attempts === 0) this.waiting.markAccepted(p.entry.seq!);
      else if (p.leader !== sentTo || p.term !== core.term) p.retargeted = true;
      p.retryAt = at;
      p.leader = sentTo;
      p.term = core.term;
      p.attempts++;
    }
  }
}
