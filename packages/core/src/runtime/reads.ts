import { NodeStoppedError, ProposalRefusedError } from '../errors.js';
import type { NodeId, ReadState } from '../protocol/types.js';
import { type NodeContext, retryAt, timeoutOf } from './node-context.js';
import { PendingRequests } from './pending.js';

/**
 * Linearizable reads (thesis 6.4): each asks the leader for a read index, and resolves once this
 * node has applied up to it. Requests that may have been lost are asked again.
 */
export class Reads {
  private counter = 0;
  private readonly waiting: PendingRequests<string, { index: number }>;
  /** Reads waiting for their read index: where they were sent, so a lost request can be sent again. */
  private readonly inflight = new Map<string, { retryAt: number; leader: NodeId | null }>();
  /** Reads confirmed at an index not yet applied here. */
  private waitingApply: ReadState[] = [];

  /** `applied`: the index of the last entry applied here. */
  constructor(
    private readonly ctx: NodeContext,
    private readonly applied: () => number,
  ) {
    // A read has no effect, so a read that timed out was simply not served: safe to retry.
    this.waiting = new PendingRequests(
      ctx.opts.clock,
      'the read',
      () => new ProposalRefusedError('the read was not confirmed in time', 'READ_TIMEOUT'),
    );
  }

  /** Linearizable read barrier (thesis 6.4): resolves once everything committed before the call is applied here. */
  read(options: { timeoutMs?: number } = {}): Promise<{ index: number }> {
    const { ctx } = this;
    if (!ctx.running) return Promise.reject(new NodeStoppedError());
    let timeout: number;
    try {
      timeout = timeoutOf(options.timeoutMs, ctx.opts.tuning.proposalTimeout);
    } catch (error) {
      return Promise.reject(error);
    }
    const context = `${ctx.opts.clientId}:${++this.counter}`;
    const promise = this.waiting.add(context, timeout);
    const outcome = ctx.core!.readIndex(context, ctx.opts.clock.now());
    if (!outcome.ok && outcome.code === 'NO_LEADER') {
      // As a proposal does, a read made while no leader is known waits for one (up to its timeout).
      this.inflight.set(context, { retryAt: Number.NEGATIVE_INFINITY, leader: null });
    } else if (!outcome.ok) {
      this.waiting.settleError(context, new ProposalRefusedError(outcome.reason, outcome.code));
    } else {
      this.waiting.markAccepted(context);
      const sentTo = outcome.forwardedTo ?? ctx.id;
      this.inflight.set(context, { retryAt: retryAt(ctx, sentTo), leader: sentTo });
    }
    ctx.wake();
    return promise;
  }

  /**
   * Asks again for read indexes not answered within an election timeout or whose leader changed (the
   * request or its answer was lost). The leader treats a repeated context as the same read, and an
   * index taken later than the call is still a linearizable one.
   */
  retry(): void {
    if (this.inflight.size === 0) return;
    const core = this.ctx.core!;
    const now = this.ctx.opts.clock.now();
    for (const [context, r] of this.inflight) {
      if (!this.waiting.has(context)) {
        this.inflight.delete(context);
        continue;
      }
      if (core.leader === null) continue;
      if (core.leader === r.leader && now < r.retryAt) continue;
      const outcome = core.readIndex(context, now);
      if (outcome.ok) {
        const sentTo = outcome.forwardedTo ?? this.ctx.id;
        this.inflight.set(context, { retryAt: retryAt(this.ctx, sentTo), leader: sentTo });
      }
    }
  }

  /** The protocol answered a read-index request (a negative index: leadership changed first). */
  onReadState(rs: ReadState): void {
    this.inflight.delete(rs.context);
    if (!this.waiting.has(rs.context)) return;
    if (rs.index < 0) {
      this.waiting.settleError(
        rs.context,
        rs.code === 'NOT_MEMBER'
          ? new ProposalRefusedError(`${this.ctx.id} is not a member of the cluster`, 'NOT_MEMBER')
          : new ProposalRefusedError('leadership changed before the read was confirmed', 'NOT_LEADER'),
      );
      return;
    }
    this.waitingApply.push(rs);
    this.release();
  }

  /** Resolves the confirmed reads whose index is applied here now. */
  release(): void {
    if (this.waitingApply.length === 0) return;
    const applied = this.applied();
    const still: ReadState[] = [];
    for (const rs of this.waitingApply) {
      if (rs.index <= applied) this.waiting.resolve(rs.context, { index: rs.index });
      else still.push(rs);
    }
    this.waitingApply = still;
  }

  /** The node stopped: every read fails (a read has no effect, so it was simply not served). */
  failAll(why?: string): void {
    const refused = () => new NodeStoppedError(why);
    this.waiting.failAll(refused, refused);
  }
}
