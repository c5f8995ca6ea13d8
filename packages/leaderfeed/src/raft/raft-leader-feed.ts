import { ConfigurationError, type RaftInterface } from '@webraft/core';
import { LeaderFeed, type LeaderFeedOptions } from '../leader-feed.js';
import type { LeaderRecord } from '../types.js';

/** A `RaftLeaderFeed`'s options: its id is the Raft node's address, so there is no `id` to give. */
export type RaftLeaderFeedOptions = Omit<LeaderFeedOptions, 'id'>;

/**
 * A webraft cluster's leader as the feed's leader: the feed of the node that leads in Raft term T
 * leads with token T (one leader per term, terms only grow: paper 5.2, 5.1). The Raft node elects; the
 * feed adds the lease. A leader's feed renews it with a linearizable read barrier (ReadIndex, thesis
 * 6.4), which a quorum confirms after the renewal was asked for; those voters refuse other candidates
 * for the Raft node's `heartbeatTimeout` after hearing from their leader (thesis 6.2, check-quorum), so
 * a lease no longer than that ends before another node can be elected. Limits: the package README, Raft.
 */
export class RaftLeaderFeed extends LeaderFeed<void> {
  private readonly unlisteners: (() => void)[] = [];
  /** The last term this feed led in: once it stepped down, that term's token is spent. */
  private spentTerm = 0;

  constructor(
    readonly raft: RaftInterface,
    options: RaftLeaderFeedOptions = {},
  ) {
    super({
      heartbeatIntervalMs: raft.heartbeatFrequency,
      electionTimeoutMinMs: raft.heartbeatTimeout,
      ...options,
      id: raft.address,
    });
    if (this.leaseMs > raft.heartbeatTimeout) {
      throw new ConfigurationError(
        `electionTimeoutMinMs (the lease, ${this.leaseMs} ms) must not exceed the Raft node's heartbeatTimeout (${raft.heartbeatTimeout} ms): its voters refuse other candidates only that long`,
      );
    }
    this.on('new state', (state, token) => {
      if (state === 'leader' && token !== undefined) this.spentTerm = token;
    });
  }

  protected _start(): void {}

  protected _create(): void {}

  protected _subscribe(): void {
    this.unlisteners.push(
      this.raft.listen('leader changed', (leader, term) => {
        if (leader !== this.id) this._leadershipEnded();
        if (leader !== null) this._receiveRecord({ leaderId: leader, token: term });
      }),
      this.raft.listen('state changed', (state) => {
        if (state !== 'leader') this._leadershipEnded();
      }),
    );
  }

  protected _unsubscribe(): void {
    for (const unlisten of this.unlisteners.splice(0)) unlisten();
  }

  /**
   * This feed leads under the current term when its node is the Raft leader and a quorum confirms it.
   * Another `id`: a hand-over through Raft's leadership transfer (thesis 3.10).
   */
  protected async _elect(id: string): Promise<LeaderRecord | null> {
    const { raft } = this;
    if (id !== this.id) {
      if (raft.state === 'leader') await raft.transferLeadership(id);
      return this.raftRecord();
    }
    if (raft.state !== 'leader') return this.raftRecord();
    const term = raft.term;
    if (term <= this.spentTerm) {
      // This feed stepped down in a term its node still leads: hand the node's leadership on, so that
      // some feed can lead again under a new term (a token names one leadership).
      raft.transferLeadership().catch(() => {});
      return this.raftRecord();
    }
    return (await this.confirm(term)) ? { leaderId: this.id, token: term } : this.raftRecord();
  }

  protected _heartbeat(token: number): Promise<boolean> {
    return this.confirm(token);
  }

  /** A graceful stop hands the Raft leadership over, so another node's feed leads under a new term. */
  protected override async _resign(token: number): Promise<void> {
    if (this.raft.state === 'leader' && this.raft.term === token) {
      await this.raft.transferLeadership().catch(() => {});
    }
  }

  /** True once a quorum confirmed, after the call, that this node still leads in `term`. */
  private async confirm(term: number): Promise<boolean> {
    const { raft } = this;
    if (raft.state !== 'leader' || raft.term !== term) return false;
    await raft.read({ timeoutMs: this.leaseMs });
    return raft.state === 'leader' && raft.term === term;
  }

  private raftRecord(): LeaderRecord | null {
    const leader = this.raft.leader;
    return leader === null ? null : { leaderId: leader, token: this.raft.term };
  }
}
