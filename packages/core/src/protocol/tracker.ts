import type { Membership } from './membership.js';
import { Progress } from './progress.js';
import { committedIndex, hasQuorum, type VoteOutcome, voteOutcome } from './quorum.js';
import type { NodeId } from './types.js';

/**
 * What a node tracks about the other members (etcd's `tracker` package): as leader, each member's
 * replication progress; as candidate, the votes it got; and the quorum questions asked of either
 * (paper 5.2, 5.3; thesis 6.2, 6.4.1). Only the voters of the latest configuration (`membership`)
 * ever count towards a quorum; learners and departing members never do.
 */
export class ProgressTracker {
  private progress = new Map<NodeId, Progress>();
  private votes = new Map<NodeId, boolean>();
  /**
   * Every member with a progress entry except this node (the leader), in one array: the commit path
   * loops over it several times per commit, and a Map's iterators allocate.
   */
  replicas: NodeId[] = [];
  /** Replicas with a `commitOwed` flag set: owed the new commit index (see `RaftCore.flushDeferred`). */
  private commitsOwed = 0;
  /** `match` of a member for the quorum count, made once. */
  private readonly matchOf = (id: NodeId): number => this.progress.get(id)?.match ?? 0;

  constructor(
    private readonly self: NodeId,
    private readonly membership: Membership,
  ) {}

  // ---------------------------------------------------------------- progress (leader)

  get(id: NodeId): Progress | undefined {
    return this.progress.get(id);
  }

  /** The members with a progress entry, this node included, in the order they were added. */
  ids(): NodeId[] {
    return [...this.progress.keys()];
  }

  /**
   * Starts tracking `id` with `next` as the next index to send, heard from `now`. Call `changed()`
   * once the set of members is complete.
   */
  add(id: NodeId, next: number, now: number): Progress {
    const pr = new Progress(next, !this.membership.isVoter(id));
    // Only the leader itself counts as active for check-quorum until a follower answers (as etcd
    // does): a leader cut off right after its election steps down after one election timeout.
    pr.recentActive = id === this.self;
    pr.lastResponseAt = now;
    this.progress.set(id, pr);
    return pr;
  }

  /** Stops tracking `id`. Call `changed()` afterwards. */
  delete(id: NodeId): void {
    this.progress.delete(id);
  }

  /** Forgets every member's progress (leadership gained or lost). Call `changed()` afterwards. */
  clear(): void {
    this.progress = new Map();
  }

  /** Members were added to or removed from the progress map: rebuild what is derived from it. */
  changed(): void {
    this.replicas = [];
    this.commitsOwed = 0;
    for (const [id, pr] of this.progress) {
      if (id === this.self) continue;
      this.replicas.push(id);
      if (pr.commitOwed) this.commitsOwed++;
    }
  }

  /** Whether a replica is owed the new commit index. */
  get commitOwed(): boolean {
    return this.commitsOwed > 0;
  }

  /** The commit index moved: every replica is owed it. */
  oweCommitToAll(): void {
    for (const id of this.replicas) {
      const pr = this.progress.get(id)!;
      if (pr.commitOwed) continue;
      pr.commitOwed = true;
      this.commitsOwed++;
    }
  }

  /** `pr` was sent the current commit index (or will get it with its next append). */
  commitSent(pr: Progress): void {
    if (!pr.commitOwed) return;
    pr.commitOwed = false;
    this.commitsOwed--;
  }

  /** A new check-quorum round starts (thesis 6.2): nobody but this node has been heard from in it. */
  resetRecentActive(): void {
    for (const [id, pr] of this.progress) if (id !== this.self) pr.recentActive = false;
  }

  // ---------------------------------------------------------------- quorums

  /** Paper 5.3: the highest index a majority of voters have stored (its term is still to be checked, 5.4.2). */
  committed(): number {
    return committedIndex(this.membership.config.voters, this.matchOf);
  }

  /** Thesis 6.2: a majority of voters were heard from in this check-quorum round. */
  quorumActive(): boolean {
    return hasQuorum(
      this.membership.config.voters,
      (id) => id === this.self || this.progress.get(id)?.recentActive === true,
    );
  }

  /**
   * Thesis 6.4.1: the latest leader send time that a majority of voters have echoed in heartbeat
   * answers (this node counts as having echoed `now`): when a quorum last heard from this leader.
   */
  quorumHeardAt(now: number): number {
    return committedIndex(this.membership.config.voters, (id) =>
      id === this.self ? now : (this.progress.get(id)?.heartbeatAckedAt ?? Number.NEGATIVE_INFINITY),
    );
  }

  // ---------------------------------------------------------------- votes (candidate)

  /** A new election: no votes yet. */
  resetVotes(): void {
    this.votes = new Map();
  }

  recordVote(id: NodeId, granted: boolean): void {
    this.votes.set(id, granted);
  }

  /** Paper 5.2: won with a majority of the voters' grants, lost once a majority can no longer be reached. */
  voteResult(): VoteOutcome {
    return voteOutcome(this.membership.config.voters, this.votes);
  }
}
