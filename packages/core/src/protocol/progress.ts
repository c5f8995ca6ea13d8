/**
 * What the leader knows about one follower's log (etcd's tracker/progress.go in spirit).
 *
 * - probe: we do not know where the follower's log matches ours. One append at a time, then wait
 *   for its answer (or the next heartbeat answer) before sending another.
 * - replicate: the follower is keeping up. Appends are pipelined optimistically: `next` moves on when
 *   an append is sent, bounded by an inflight window so a slow follower cannot buffer without end.
 * - snapshot: the entries the follower needs are compacted away; a snapshot is being streamed.
 */
import type { AppendMessage } from './types.js';

export type ProgressState = 'probe' | 'replicate' | 'snapshot';

export class Progress {
  /** Highest index known to be stored on the follower. */
  match = 0;
  /** Next index to send. */
  next: number;
  state: ProgressState = 'probe';
  /** In probe state: an append is out and we wait for its answer. */
  probeSent = false;
  /**
   * In probe state: that append while it still waits in the leader's outbox (until the runtime takes
   * the round's messages). Entries proposed meanwhile join it instead of waiting for its answer.
   */
  unsentProbe: AppendMessage | null = null;
  /** Last indexes of appends in flight (replicate state), oldest first. */
  readonly inflight: number[] = [];
  /** Heard from since the last check-quorum round (paper 6, thesis 6.2). */
  recentActive = false;
  /** Snapshot state: the snapshot's index, and how many characters of it the follower has. */
  pendingSnapshot = 0;
  snapshotOffset = 0;
  isLearner: boolean;
  /** The latest leader send time this follower echoed in a heartbeat answer (lease reads). */
  heartbeatAckedAt = Number.NEGATIVE_INFINITY;
  /** When the leader last heard from this follower (for `memberTimeout`). */
  lastResponseAt = 0;
  /**
   * The send time of the latest heartbeat, and the last index sent before it. Links deliver in order,
   * so when that heartbeat's answer arrives every append sent before it has been answered: a `match`
   * still below `sentBeforeHeartbeat` then means an append or its answer was lost.
   */
  heartbeatSentAt = Number.NEGATIVE_INFINITY;
  sentBeforeHeartbeat = 0;
  /** Snapshot state: `snapshotOffset` at the previous heartbeat answer (unchanged: a chunk was lost). */
  snapshotOffsetAtHeartbeat = -1;
  /** The leader's commit index moved past what this follower was last sent (see RaftCore.flushDeferred). */
  commitOwed = false;

  constructor(next: number, isLearner: boolean) {
    this.next = next;
    this.isLearner = isLearner;
  }

  becomeProbe(): void {
    // Coming back from a snapshot, the follower has at least the snapshot.
    if (this.state === 'snapshot') {
      this.next = Math.max(this.match + 1, this.pendingSnapshot + 1);
    } else {
      this.next = this.match + 1;
    }
    this.resetState('probe');
  }

  becomeReplicate(): void {
    this.next = this.match + 1;
    this.resetState('replicate');
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState('snapshot');
    this.pendingSnapshot = snapshotIndex;
  }

  private resetState(state: ProgressState): void {
    this.state = state;
    this.probeSent = false;
    this.unsentProbe = null;
    this.pendingSnapshot = 0;
    this.snapshotOffset = 0;
    this.snapshotOffsetAtHeartbeat = -1;
    this.inflight.length = 0;
  }

  /** Records that entries up to `lastIndex` were sent in one append. */
  sentEntries(lastIndex: number, count: number): void {
    if (this.state === 'replicate') {
      if (count > 0) {
        this.next = lastIndex + 1;
        this.inflight.push(lastIndex);
      }
    } else if (this.state === 'probe') {
      this.probeSent = true;
    }
  }

  /** A successful answer up to `index`. Returns false for a stale answer that taught us nothing. */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (this.match < index) {
      this.match = index;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, index + 1);
    // Free the inflight slots this answer covers.
    let freed = 0;
    while (freed < this.inflight.length && this.inflight[freed]! <= index) freed++;
    if (freed > 0) this.inflight.splice(0, freed);
    return updated;
  }

  /**
   * A rejection of the append probing `rejected`, with the follower's hint `matchHint` (paper 5.3: the
   * leader decrements nextIndex and retries; the hint skips many entries at once). Returns false for a
   * stale rejection.
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === 'replicate') {
      // Only a rejection of something after what we know matches is news.
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    // Probe: only the answer to the probe we sent (next - 1) counts.
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1, 1);
    this.probeSent = false;
    return true;
  }

  /** Whether sending more appends must wait. */
  isPaused(maxInflight: number): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent;
      case 'replicate':
        return this.inflight.length >= maxInflight;
      case 'snapshot':
        return true;
    }
  }
}
