import { NodeStoppedError, OutcomeUnknownError, ProposalRefusedError, type RaftError } from '../errors.js';
import { configFingerprint } from '../protocol/membership.js';
import type { ClusterConfig, NodeId } from '../protocol/types.js';
import { configProblem } from '../protocol/validate.js';
import { sleep } from './clock.js';
import { unreachableVoterToRemove } from './member-timeout.js';
import { type NodeContext, timeoutOf } from './node-context.js';
import type { Proposals } from './proposals.js';
import { TransferWaiters } from './transfer-waiters.js';

/**
 * Changes of who is in the cluster and who leads it: membership changes through the log, one server
 * at a time (thesis 4.1), the `memberTimeout` removal of unreachable voters, and leadership transfer
 * (thesis 3.10).
 */
export class MembershipChanges {
  private readonly transfers: TransferWaiters;
  /** A `memberTimeout` removal is under way (one at a time). */
  private removingMember = false;

  /** `applied`: the index of the last entry applied here. */
  constructor(
    private readonly ctx: NodeContext,
    private readonly proposals: Proposals,
    private readonly applied: () => number,
  ) {
    this.transfers = new TransferWaiters(ctx.opts.clock);
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
    const { opts } = this.ctx;
    const deadline = opts.clock.now() + timeoutOf(timeoutMs, opts.tuning.proposalTimeout);
    const waitHeartbeat = () => sleep(opts.clock, opts.timing.heartbeatInterval);
    for (;;) {
      if (!this.ctx.running) throw new NodeStoppedError();
      const membership = this.ctx.core!.membership;
      const current = membership.config;
      const next = change(current);
      if (next === null) {
        // Nothing to change in the latest configuration. It takes effect when appended (thesis 4.1),
        // so it may not be committed yet, and may still be truncated away: done only once it applied here.
        if (membership.index <= this.applied()) return;
        if (opts.clock.now() >= deadline)
          throw new OutcomeUnknownError('the configuration change did not apply in time', 'TIMEOUT');
        await waitHeartbeat();
        continue;
      }
      // The base fingerprint makes a late duplicate of this change harmless (see ClusterConfig.base).
      next.base = configFingerprint(current);
      // The leader must never append a configuration its followers' validator refuses (they would
      // refuse every append after it too): checked with the validator's own code, here and again by
      // the leader (RaftCore.checkProposal).
      const problem = configProblem(next);
      if (problem !== null)
        throw new ProposalRefusedError(
          `the change would make an invalid configuration: ${problem}`,
          'INVALID_CONFIG',
        );
      const promise = this.proposals.proposeChange(next, Math.max(1, deadline - opts.clock.now()));
      try {
        await promise;
        return;
      } catch (error) {
        // Another change is still in flight, or the configuration moved on: wait a heartbeat, recompute, retry.
        const transient =
          error instanceof ProposalRefusedError &&
          (error.code === 'CONFIG_PENDING' || error.code === 'CONFIG_STALE');
        if (!transient || opts.clock.now() >= deadline) throw error;
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
    const { ctx } = this;
    if (!ctx.running) return Promise.reject(new NodeStoppedError());
    const core = ctx.core!;
    if (core.role !== 'leader')
      return Promise.reject(
        new ProposalRefusedError('only the leader can transfer leadership', 'NOT_LEADER'),
      );
    const target = to ?? this.mostUpToDateVoter();
    if (target === null)
      return Promise.reject(
        new ProposalRefusedError('there is no other voter to transfer leadership to', 'NO_TARGET'),
      );
    if (target === ctx.id) return Promise.resolve();
    const outcome = core.transferLeader(target, ctx.opts.clock.now());
    if (!outcome.ok) return Promise.reject(new ProposalRefusedError(outcome.reason, outcome.code));
    const promise = this.transfers.wait(target, 2 * ctx.opts.timing.electionTimeout);
    ctx.wake();
    return promise;
  }

  /** Settles the transfers whose outcome is known now (after every input). */
  settleTransfers(): void {
    this.transfers.settle(this.ctx.core!);
  }

  /** The node stopped: every transfer still waiting fails. */
  failAll(why?: string): void {
    this.transfers.failAll(() => new NodeStoppedError(why));
  }

  /**
   * Who a leader that stops hands over to: the most up-to-date voter among those that answered within
   * the last heartbeatTimeout, or null. A voter that did not is likely gone (a cluster stopping as a
   * whole, a closed tab): a transfer to it could only time out, delaying the stop for nothing.
   */
  handoverTarget(): NodeId | null {
    const { ctx } = this;
    const since = ctx.opts.clock.now() - ctx.opts.timing.electionTimeout;
    return this.mostUpToDateVoter((id) => (ctx.core!.progressOf(id)?.lastResponseAt ?? -Infinity) >= since);
  }

  /**
   * The transport says `id` went away: a transfer to it is over. Its callers hear so, and the leader
   * ends the transfer (a transfer to itself does, thesis 3.10) and takes proposals again at once.
   */
  peerGone(id: NodeId): void {
    const { ctx } = this;
    this.transfers.targetGone(id);
    const core = ctx.core!;
    if (core.role === 'leader' && core.status().transferee === id) {
      core.transferLeader(ctx.id, ctx.opts.clock.now());
      ctx.wake();
    }
  }

  /** The other voter (that passes `eligible`) whose log matches the leader's furthest, or null. */
  mostUpToDateVoter(eligible: (id: NodeId) => boolean = () => true): NodeId | null {
    const core = this.ctx.core!;
    let best: NodeId | null = null;
    let bestMatch = -1;
    for (const id of core.membership.config.voters) {
      if (id === this.ctx.id || !eligible(id)) continue;
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
  removeUnreachableVoters(): void {
    const { ctx } = this;
    const timeout = ctx.opts.tuning.memberTimeout;
    const core = ctx.core!;
    if (timeout <= 0 || core.role !== 'leader' || this.removingMember) return;
    const gone = unreachableVoterToRemove(
      core.membership.config.voters,
      ctx.id,
      (id) => core.progressOf(id)?.lastResponseAt,
      ctx.opts.clock.now(),
      timeout,
    );
    if (gone === null) return;
    this.removingMember = true;
    this.changeMembership((c) =>
      c.voters.includes(gone) ? { voters: c.voters.filter((v) => v !== gone), learners: c.learners } : null,
    )
      .catch((error: RaftError) => ctx.events.emit('error', error))
      .finally(() => {
        this.removingMember = false;
      });
  }
}
