import { checkConfigChanges, hasConfigChange } from './config-change.js';
import { splitByChars } from './entry-size.js';
import { ACCEPTED_DECISION, type ForwardedDecision, ForwardedDecisions } from './forwarded.js';
import { RaftLog } from './log.js';
import { makeEntry } from './make-entry.js';
import { allMembers, Membership } from './membership.js';
import type { Progress } from './progress.js';
import { type PendingRead, ReadOnlyQueue } from './read-only.js';
import { SnapshotReceiver } from './snapshot-receiver.js';
import { ProgressTracker } from './tracker.js';
import type {
  AppendMessage,
  AppendResponseMessage,
  ClusterConfig,
  Entry,
  HardState,
  HeartbeatMessage,
  HeartbeatResponseMessage,
  Message,
  NodeId,
  ProposedEntry,
  RaftRole,
  ReadState,
  Snapshot,
  SnapshotMessage,
  SnapshotResponseMessage,
  VoteMessage,
  VoteResponseMessage,
} from './types.js';

/**
 * The tunables the protocol reads: a part of the runtime's `RaftTuning` (runtime/options.ts, where
 * the defaults are), which extends this.
 */
export interface ProtocolTuning {
  /** Thesis 9.6: a candidate first asks whether it could win, without raising terms. */
  preVote: boolean;
  /** Thesis 6.2: a leader steps down without a quorum; voters ignore candidates while a leader lives. */
  checkQuorum: boolean;
  /** Entries per AppendEntries (or forwarded proposal) message. */
  maxEntriesPerAppend: number;
  /** Characters of JSON per AppendEntries (or forwarded proposal) message; one entry always fits. */
  maxAppendChars: number;
  /** Appends in flight per follower in replicate state. */
  maxInflight: number;
  /** Characters of the JSON-encoded snapshot sent per InstallSnapshot chunk. */
  snapshotChunkChars: number;
  /** Proposals are refused while this many entries are uncommitted (bounds the log without a quorum). */
  maxUncommittedEntries: number;
  /** Promote learners to voters automatically once they are caught up (thesis 4.2.1). */
  promoteLearners: boolean;
  /** A learner counts as caught up within this many entries of the leader's log. */
  learnerCatchUpLag: number;
  /** `lease`: the leader serves reads without a heartbeat round while its lease holds (thesis 6.4.1). */
  readPolicy: 'readIndex' | 'lease';
  /** A lease read is only served if the leader heard from a quorum this much (ms) sooner than the election timeout. */
  leaseClockDrift: number;
}

/** The protocol's configuration: its tunables, its id, timings and randomness. Times are milliseconds of the `now` values the runtime passes in. */
export interface RaftConfig extends ProtocolTuning {
  id: NodeId;
  /** Base election timeout: a follower waits a random time in [t, 2t) without a leader (paper 5.2). */
  electionTimeout: number;
  /** How often a leader sends heartbeats. Must be well below `electionTimeout`. */
  heartbeatInterval: number;
  /** How long a candidate waits for an election to finish; defaults to a randomized election timeout. */
  candidateTimeout?: () => number;
  /** Uniform numbers in [0, 1): injected so runs can be replayed. */
  random: () => number;
}

export interface RaftInit {
  hardState: HardState;
  snapshot: Snapshot | null;
  entries: Entry[];
  /** The configuration before any log entry: the initial voters, the same on every initial member. */
  bootstrap: ClusterConfig;
  /** The current time, in the same unit and origin as later `tick`/`step` calls. */
  now: number;
  /**
   * This node's cluster id (protocol/cluster-id.ts), stamped on every message it sends; null for a
   * joiner that adopts the id of its first leader. Omitted: null.
   */
  cluster?: string | null;
}

/** What the runtime must do next (etcd's Ready): persist, then send, then apply. */
export interface Ready {
  /** Set when term, vote or commit changed: persist it. */
  hardState?: HardState;
  /** Entries to persist; they replace any stored entries from entries[0].index on. */
  readonly entries: readonly Entry[];
  /** A snapshot from the leader: persist it, then restore the state machine from it. */
  snapshot?: Snapshot;
  /** Messages that may go out before the persist completes (the leader's own log is not needed for them). */
  readonly earlyMessages: readonly Message[];
  /** Messages to send only once everything above is durable (vote grants, append acks: paper Figure 2). */
  readonly messages: readonly Message[];
  /** Committed and durable entries to apply, in order. */
  readonly committedEntries: readonly Entry[];
  /** Completed read-index requests (index -1: refused). */
  readonly readStates: readonly ReadState[];
}

/** The empty part of a Ready. */
const NOTHING: readonly never[] = Object.freeze([]);

export type ProposeOutcome =
  | { readonly ok: true; readonly forwardedTo?: NodeId }
  | { readonly ok: false; readonly reason: string; readonly code: string };

/** The outcome of a request taken here: one shared object, as proposals are taken on every commit. */
const ACCEPTED: ProposeOutcome = Object.freeze({ ok: true });

/** Where this node stands, for the runtime, the API getters, tests and tools. */
export interface RaftStatus {
  id: NodeId;
  role: RaftRole;
  term: number;
  vote: NodeId | null;
  leader: NodeId | null;
  commitIndex: number;
  /**
   * The last index handed out in a Ready to be applied (`RaftLog.applying`); the runtime may not
   * have applied it yet (what it applied is `RaftNode.appliedIndex`).
   */
  applyingIndex: number;
  firstIndex: number;
  lastIndex: number;
  lastTerm: number;
  config: ClusterConfig;
  transferee: NodeId | null;
  /** The cluster id, or null while a joining node has not heard from a leader yet. */
  cluster: string | null;
}

const NO_DEADLINE = Number.POSITIVE_INFINITY;

/**
 * The Raft protocol as a deterministic value you step (etcd-io/raft style): no timers, no I/O, no
 * promises, no clock and no Math.random. Inputs: `tick`, `step`, `propose`, `readIndex`,
 * `transferLeader`. Outputs: `ready()`, acknowledged with `advance()` once persisted.
 */
export class RaftCore {
  readonly id: NodeId;
  private readonly cfg: RaftConfig;
  readonly log: RaftLog;
  readonly membership: Membership;

  term: number;
  vote: NodeId | null;
  /** See RaftInit.cluster. Set once (bootstrap or first leader) and persisted in the hard state. */
  cluster: string | null;
  role: RaftRole = 'follower';
  leader: NodeId | null = null;
  /** Elections this node started (a pre-vote and the vote after it count once), for the seed's events. */
  electionsStarted = 0;
  /** Vote requests (pre-votes included) this node granted: `leaderGone` campaigns only if it granted none. */
  private votesGranted = 0;
  /**
   * Vote requests of voters refused only because this node still counted on a live leader (the
   * check-quorum lease, thesis 6.2), by sender: `leaderGone` answers them again without the lease.
   * Dropped when the term moves.
   */
  private readonly leaseRefused = new Map<NodeId, VoteMessage>();
  /** This pre-vote started on `leaderGone`: it yields to a better candidate (see `yieldsPreVoteTo`). */
  private hintedPreVote = false;
  /** `leaderGone` with lease reads moved the election deadline to the lease's end (see there). */
  private goneAtLeaseEnd = false;

  private now = 0;
  /** A follower or candidate starts an election at this time. */
  private electionDeadline = 0;
  /** The randomized election timeout drawn at the last reset. */
  private randomizedTimeout = 0;
  /** When this node last heard from a live leader (for the check-quorum lease, thesis 6.2). */
  private leaderContactAt = Number.NEGATIVE_INFINITY;
  private startedAt = 0;
  private heartbeatDue = NO_DEADLINE;
  private checkQuorumDue = NO_DEADLINE;

  /** Votes as candidate, followers' progress as leader, and the quorums over them. */
  private readonly tracker: ProgressTracker;
  /** Leader: index of the latest configuration entry it proposed (one change at a time, thesis 4.1). */
  private pendingConfIndex = 0;
  private transferee: NodeId | null = null;
  private transferDeadline = NO_DEADLINE;
  /**
   * This leader told a follower to campaign (TimeoutNow) in its term. That follower's vote requests
   * ignore the voters' leases (thesis 3.10), and it may still win after our transfer deadline passed,
   * so this leader serves no lease read for the rest of its term.
   */
  private timeoutNowSent = false;

  /** Leader: forwarded proposals already decided in this term (see ForwardedDecisions). */
  private readonly forwarded = new ForwardedDecisions();
  /** Leader: members removed by an uncommitted configuration that still get appends (see syncProgressWithConfig). */
  private departing = 0;

  private readonly readOnly = new ReadOnlyQueue();
  /** Reads are waiting for a heartbeat round (sent once per turn by `flushDeferred`). */
  private readRoundOwed = false;
  /** Reads that arrived before this leader committed an entry of its term (thesis 6.4, step 1). */
  private heldReads: { context: string; from: NodeId }[] = [];
  private readStates: ReadState[] = [];

  /** The newest snapshot of this node's state machine (to send to followers behind the log). */
  private localSnapshot: Snapshot | null;
  private localSnapshotEncoded: string | null = null;
  private readonly receiver = new SnapshotReceiver();

  private msgs: Message[] = [];
  private earlyMsgs: Message[] = [];
  /** Followers whose probe waits in the outbox (see extendUnsentProbe). */
  private readonly unsentProbes: Progress[] = [];
  /** The last hard state handed out in a Ready, and the last one known durable. */
  private prevHardState: HardState;
  private durableTerm: number;
  private snapshotHandedOut = false;

  constructor(cfg: RaftConfig, init: RaftInit) {
    this.cfg = cfg;
    this.id = cfg.id;
    this.term = init.hardState.term;
    this.vote = init.hardState.vote;
    this.cluster = init.cluster ?? null;
    this.prevHardState = { ...init.hardState };
    this.durableTerm = init.hardState.term;
    this.localSnapshot = init.snapshot;
    this.log = RaftLog.fromStorage(init.snapshot?.meta ?? null, init.entries, init.hardState.commit);
    this.membership = init.snapshot
      ? new Membership(init.snapshot.meta.config, init.snapshot.meta.index)
      : new Membership(init.bootstrap, 0);
    for (const e of init.entries)
      if (e.kind === 'config') this.membership.append(e.index, e.data as ClusterConfig);
    this.tracker = new ProgressTracker(this.id, this.membership);
    this.now = init.now;
    this.startedAt = init.now;
    this.resetElectionDeadline();
  }

  // ---------------------------------------------------------------- inputs

  /** Time passes. Elections and heartbeats are driven by elapsed time, not by counting ticks. */
  tick(now: number): void {
    this.now = Math.max(this.now, now);
    if (this.role === 'leader') {
      this.tickLeader();
    } else if (this.now >= this.electionDeadline) {
      const hinted = this.goneAtLeaseEnd;
      if (this.promotable()) this.campaign('timeout');
      else this.resetElectionDeadline();
      this.hintedPreVote = hinted && this.role === 'precandidate';
    }
  }

  /** The earliest time `tick` has something to do. */
  nextDeadline(): number {
    if (this.role === 'leader')
      return Math.min(this.heartbeatDue, this.checkQuorumDue, this.transferDeadline);
    return this.electionDeadline;
  }

  /** A message from the network (already validated). */
  step(m: Message, now: number): void {
    this.now = Math.max(this.now, now);
    if (m.term > this.term) {
      if (!this.stepHigherTerm(m)) return;
    } else if (m.term < this.term) {
      this.stepLowerTerm(m);
      return;
    }
    this.stepCurrentTerm(m);
  }

  /**
   * Propose entries. The leader appends them; a follower forwards them to its leader (as the seed
   * does). Returns why they were refused, if they were.
   */
  propose(
    entries: ProposedEntry[],
    now = this.now,
    dataLengths?: readonly (number | undefined)[],
  ): ProposeOutcome {
    this.now = Math.max(this.now, now);
    if (this.role !== 'leader') {
      if (this.leader === null) return refuse('NO_LEADER', 'no leader is known');
      for (const run of splitByChars(
        entries,
        dataLengths,
        this.cfg.maxEntriesPerAppend,
        this.cfg.maxAppendChars,
      )) {
        this.send({ type: 'propose', from: this.id, to: this.leader, term: this.term, entries: run });
      }
      return { ok: true, forwardedTo: this.leader };
    }
    const refusal = this.checkProposal(entries);
    if (refusal) return refusal;
    this.appendProposals(entries, dataLengths);
    return ACCEPTED;
  }

  /** Start a linearizable read (thesis 6.4). The outcome comes out as a ReadState with this context. */
  readIndex(context: string, now = this.now): ProposeOutcome {
    // The lease check below must see the real time, not the last tick's (which may be a heartbeat old).
    this.now = Math.max(this.now, now);
    if (this.role === 'leader') {
      this.leaderReadIndex(context, this.id);
      return ACCEPTED;
    }
    if (this.leader === null) return refuse('NO_LEADER', 'no leader is known');
    this.send({ type: 'readIndex', from: this.id, to: this.leader, term: this.term, context });
    return { ok: true, forwardedTo: this.leader };
  }

  /** Hand leadership to `to` (thesis 3.10): catch it up, then tell it to campaign at once. */
  transferLeader(to: NodeId, now = this.now): ProposeOutcome {
    this.now = Math.max(this.now, now);
    if (this.role !== 'leader') return refuse('NOT_LEADER', 'only the leader can transfer leadership');
    if (to === this.id) {
      // A transfer back to the leader itself ends one in progress (etcd's TestLeaderTransferBack).
      this.transferee = null;
      this.transferDeadline = NO_DEADLINE;
      return ACCEPTED;
    }
    if (!this.membership.isVoter(to)) return refuse('NOT_VOTER', `${to} is not a voter`);
    this.transferee = to;
    // Give up after an election timeout so the cluster does not stay without proposals for long.
    this.transferDeadline = this.now + this.cfg.electionTimeout;
    const pr = this.tracker.get(to)!;
    if (pr.match === this.log.lastIndex()) this.sendTimeoutNow(to);
    else this.sendAppend(to, false);
    return ACCEPTED;
  }

  /** Campaign now (used by tests and by a runtime that knows the leader is gone). */
  campaignNow(): void {
    if (this.role !== 'leader' && this.promotable()) this.campaign('timeout');
  }

  /**
   * A liveness hint from outside the protocol: `leader`, which this node follows in `term`, is gone
   * (its process ended; in a browser, the Web Lock its tab held was freed). Instead of waiting for
   * the election timeout, the node forgets the leader and the check-quorum lease it gave it (thesis
   * 6.2), answers again the vote requests it refused for that lease alone, and, if it granted none,
   * starts a pre-vote at once (thesis 9.6). Nothing else changes: a vote is still granted at most once
   * per term and only to an up-to-date log (paper 5.2, 5.4.1), so a wrong hint (the leader merely
   * slow) costs an election, never a second leader in a term. Ignored (returns false) when this node
   * leads, is in another term, or follows someone else (a stale hint: the leader of a later term may
   * be a restart of the same id).
   *
   * With `readPolicy: 'lease'` the lease is the leader's licence to serve reads alone, so it is kept:
   * the election then starts as soon as the lease ends, not at once.
   */
  leaderGone(leader: NodeId, term: number, now = this.now): boolean {
    this.now = Math.max(this.now, now);
    if (this.role === 'leader' || term !== this.term || this.leader !== leader) return false;
    if (this.cfg.readPolicy === 'lease') {
      const leaseEnd = Math.max(this.leaderContactAt, this.startedAt) + this.cfg.electionTimeout;
      this.electionDeadline = Math.min(this.electionDeadline, Math.max(this.now, leaseEnd));
      this.goneAtLeaseEnd = true;
      return true;
    }
    this.leader = null;
    this.leaderContactAt = Number.NEGATIVE_INFINITY;
    const granted = this.votesGranted;
    const refused = [...this.leaseRefused.values()];
    this.leaseRefused.clear();
    for (const m of refused) this.step(m, this.now);
    // Granted one: that candidate is on its way; a campaign of ours would only split the vote.
    if (this.votesGranted !== granted || this.role !== 'follower' || !this.promotable()) return true;
    this.campaign('timeout');
    this.hintedPreVote = (this.role as RaftRole) === 'precandidate';
    return true;
  }

  /**
   * This node's state machine took a snapshot at `index` (<= applied). The log keeps `keepEntries`
   * entries before it so followers slightly behind can still be sent entries instead of a snapshot.
   */
  compact(snapshot: Snapshot, keepEntries: number): void {
    if (snapshot.meta.index <= (this.localSnapshot?.meta.index ?? 0)) return;
    this.localSnapshot = snapshot;
    this.localSnapshotEncoded = null;
    const compactTo = Math.max(0, snapshot.meta.index - keepEntries);
    const term = this.log.term(compactTo);
    if (compactTo > this.log.snapshotIndex && term !== undefined) {
      this.log.compact(compactTo, term);
      this.membership.compactTo(compactTo);
    }
  }

  /** The configuration at `index`, for a snapshot taken there. */
  configAt(index: number): ClusterConfig {
    return this.membership.configAt(index);
  }

  /** The latest snapshot this node holds (its own or one installed from a leader). */
  get snapshot(): Snapshot | null {
    return this.localSnapshot;
  }

  // ---------------------------------------------------------------- outputs

  hasReady(): boolean {
    return (
      this.msgs.length > 0 ||
      this.earlyMsgs.length > 0 ||
      this.readStates.length > 0 ||
      (this.log.pendingSnapshot !== null && !this.snapshotHandedOut) ||
      this.log.stabled < this.log.lastIndex() ||
      this.hardStateChanged() ||
      this.log.hasNextCommitted()
    );
  }

  /** Collects what the runtime must do. Call `advance(ready)` once it is persisted. */
  ready(maxApply = 4096): Ready {
    const entries = this.log.unstableEntries();
    // Term and vote must be durable before anything that depends on them is sent (Figure 2). The
    // commit index need not be durable at all: it rides along with writes that happen anyway.
    const commitMoved = this.prevHardState.commit !== this.log.committed;
    let hardState: HardState | undefined;
    if (
      this.hardStateChanged() ||
      (commitMoved && (entries.length > 0 || this.log.pendingSnapshot !== null))
    ) {
      hardState =
        this.cluster === null
          ? { term: this.term, vote: this.vote, commit: this.log.committed }
          : { term: this.term, vote: this.vote, commit: this.log.committed, cluster: this.cluster };
      this.prevHardState = hardState;
    }
    let snapshot: Snapshot | undefined;
    if (this.log.pendingSnapshot && !this.snapshotHandedOut) {
      snapshot = this.log.pendingSnapshot;
      this.snapshotHandedOut = true;
    }
    // One literal with every part (absent ones undefined), so that every Ready has one hidden class;
    // empty parts are one shared frozen array. A Ready is built several times per commit.
    const rd: Ready = {
      hardState,
      entries,
      snapshot,
      earlyMessages: this.earlyMsgs.length > 0 ? this.earlyMsgs : NOTHING,
      messages: this.msgs.length > 0 ? this.msgs : NOTHING,
      committedEntries: this.log.nextCommitted(maxApply),
      readStates: this.readStates.length > 0 ? this.readStates : NOTHING,
    };
    const applied = rd.committedEntries;
    if (applied.length > 0) this.log.applying = applied[applied.length - 1]!.index;
    if (this.msgs.length > 0) this.msgs = [];
    if (this.earlyMsgs.length > 0) this.earlyMsgs = [];
    if (this.unsentProbes.length > 0) this.releaseUnsentProbes();
    if (this.readStates.length > 0) this.readStates = [];
    return rd;
  }

  /**
   * Takes the messages that depend on nothing unpersisted (see `send`) before the next `ready()`: the
   * runtime sends them while an earlier Ready's write is in flight, so a commit index learned from
   * the followers' acknowledgements (or entries proposed meanwhile) need not wait for the leader's
   * own write (thesis 10.2.1). The probes among them are on their way and can change no more.
   */
  takeEarlyMessages(): readonly Message[] {
    const early = this.earlyMsgs;
    if (early.length === 0) return NOTHING;
    this.earlyMsgs = [];
    if (this.unsentProbes.length > 0) {
      const sent = new Set<Message>(early);
      let kept = 0;
      for (const pr of this.unsentProbes) {
        if (pr.unsentProbe !== null && sent.has(pr.unsentProbe)) pr.unsentProbe = null;
        else this.unsentProbes[kept++] = pr;
      }
      this.unsentProbes.length = kept;
    }
    return early;
  }

  /** The runtime persisted (and restored) everything in `rd`. */
  advance(rd: Ready): void {
    if (rd.hardState) {
      this.durableTerm = rd.hardState.term;
      this.countOwnVote();
    }
    if (rd.snapshot) {
      if (this.log.pendingSnapshot === rd.snapshot) this.log.pendingSnapshot = null;
      this.snapshotHandedOut = false;
      this.localSnapshot = rd.snapshot;
      this.localSnapshotEncoded = null;
    }
    const last = rd.entries[rd.entries.length - 1];
    if (last && this.log.stableTo(last.index, last.term) && this.role === 'leader') {
      // The leader counts its own vote for an entry only once it is durable (thesis 10.2.1).
      if (this.maybeCommit()) this.oweCommitToAll();
    }
  }

  status(): RaftStatus {
    return {
      id: this.id,
      role: this.role,
      term: this.term,
      vote: this.vote,
      leader: this.leader,
      commitIndex: this.log.committed,
      applyingIndex: this.log.applying,
      firstIndex: this.log.firstIndex(),
      lastIndex: this.log.lastIndex(),
      lastTerm: this.log.lastTerm(),
      config: this.membership.config,
      transferee: this.transferee,
      cluster: this.cluster,
    };
  }

  /** Replication progress of a follower as the leader sees it (for tests, promotion and tools). */
  progressOf(id: NodeId): Readonly<Progress> | undefined {
    return this.tracker.get(id);
  }

  // ---------------------------------------------------------------- terms (paper 5.1)

  /** Returns false when the message must be dropped. */
  private stepHigherTerm(m: Message): boolean {
    if (m.type === 'vote') {
      // Thesis 4.2.3 / 6.2: while a leader is known to be alive, a vote request from a server that
      // merely timed out (a removed or partitioned one) must not depose it. A transfer asked for it.
      // With lease reads, a node that just started does not know when it last heard from a leader: it
      // counts its start as such a moment, so a restart cannot cut short a lease the leader relies on.
      const inLease =
        this.cfg.checkQuorum &&
        (this.role === 'leader' ||
          (this.cfg.readPolicy === 'lease' && this.now - this.startedAt < this.cfg.electionTimeout) ||
          (this.leader !== null && this.now - this.leaderContactAt < this.cfg.electionTimeout));
      if (inLease && !m.transfer) {
        if (this.role !== 'leader' && this.membership.isVoter(m.from)) this.leaseRefused.set(m.from, m);
        return false;
      }
      // A pre-vote request does not change our term (thesis 9.6).
      if (m.preVote) return true;
    }
    if (m.type === 'voteResponse' && m.preVote && !m.reject) {
      // A granted pre-vote carries the term we would campaign at; our own term moves when we do.
      return true;
    }
    const fromLeader = m.type === 'append' || m.type === 'heartbeat' || m.type === 'snapshot';
    this.becomeFollower(m.term, fromLeader ? m.from : null);
    return true;
  }

  private stepLowerTerm(m: Message): void {
    if ((this.cfg.checkQuorum || this.cfg.preVote) && (m.type === 'append' || m.type === 'heartbeat')) {
      // A stale leader (or one cut off while we advanced our term through pre-vote-less elections)
      // learns our term from this answer and steps down, so the cluster can make progress
      // (etcd's fix for scenarios 18 and 19).
      this.send({
        type: 'appendResponse',
        from: this.id,
        to: m.from,
        term: this.term,
        index: 0,
        reject: true,
        hintIndex: 0,
        hintTerm: 0,
      });
    } else if (m.type === 'vote' && m.preVote) {
      this.send({
        type: 'voteResponse',
        from: this.id,
        to: m.from,
        term: this.term,
        preVote: true,
        reject: true,
      });
    }
    // Anything else from an older term is stale: drop it.
  }

  private stepCurrentTerm(m: Message): void {
    switch (m.type) {
      case 'vote':
        this.handleVoteRequest(m);
        return;
      case 'append':
      case 'heartbeat':
      case 'snapshot':
        this.stepFromLeader(m);
        return;
      case 'voteResponse':
        this.handleVoteResponse(m);
        return;
      case 'timeoutNow':
        // Thesis 3.10: the leader chose us; campaign at once, without pre-vote, ignoring leases.
        if (this.role === 'follower' && this.promotable()) this.campaign('transfer');
        return;
      case 'readIndexResponse':
        if (this.role !== 'leader')
          this.readStates.push(
            m.code === undefined
              ? { context: m.context, index: m.index }
              : { context: m.context, index: m.index, code: m.code },
          );
        return;
      case 'propose':
        if (this.role === 'leader') this.handleForwardedProposal(m.from, m.entries);
        return;
      case 'readIndex':
        // A node outside the configuration reads nothing of this cluster (as with its proposals).
        if (this.role === 'leader' && this.isMember(m.from)) this.leaderReadIndex(m.context, m.from);
        else this.refuseRead(m.context, m.from, this.role === 'leader' ? 'NOT_MEMBER' : undefined);
        return;
      case 'appendResponse':
      case 'heartbeatResponse':
      case 'snapshotResponse':
        if (this.role === 'leader') this.stepLeaderResponse(m);
        return;
    }
  }

  // ---------------------------------------------------------------- elections (paper 5.2, 5.4.1)

  private promotable(): boolean {
    return this.membership.isVoter(this.id) && this.log.pendingSnapshot === null;
  }

  /**
   * Starts an election. `timeout`: our election timer fired (pre-vote first when enabled);
   * `election`: pre-vote won, campaign for real; `transfer`: the leader asked us to (thesis 3.10).
   */
  private campaign(kind: 'timeout' | 'election' | 'transfer'): void {
    const transfer = kind === 'transfer';
    // A won pre-vote goes on with the same election; a timeout or a transfer starts a new one.
    if (kind !== 'election') this.electionsStarted++;
    if (this.cfg.preVote && kind === 'timeout') {
      this.becomePreCandidate();
    } else {
      this.becomeCandidate();
    }
    const preVote = this.role === 'precandidate';
    const voteTerm = preVote ? this.term + 1 : this.term;
    // A pre-vote decides nothing and is written nowhere: it counts at once. A real vote for ourselves
    // counts only once the new term and vote are durable (see countOwnVote), so the requests need not
    // wait for that write and go out with it, as etcd's raft does with asynchronous storage writes.
    if (preVote && this.tallyOwnVote()) return;
    for (const voter of this.membership.config.voters) {
      if (voter === this.id) continue;
      const m: VoteMessage = {
        type: 'vote',
        from: this.id,
        to: voter,
        term: voteTerm,
        preVote,
        index: this.log.lastIndex(),
        logTerm: this.log.lastTerm(),
      };
      if (transfer) m.transfer = true;
      this.send(m);
    }
  }

  private handleVoteRequest(m: VoteMessage): void {
    // We may vote for m.from if we already did, or have not voted and follow no leader in this term,
    // or it is a pre-vote for a later term (thesis 9.6).
    const canVote =
      m.preVote && this.hintedPreVote
        ? m.term > this.term && this.yieldsPreVoteTo(m)
        : this.vote === m.from ||
          (this.vote === null && this.leader === null) ||
          (m.preVote && m.term > this.term);
    // Paper 5.4.1: grant only if the candidate's log is at least as up to date as ours.
    const grant = canVote && this.log.isUpToDate(m.index, m.logTerm);
    this.send({
      type: 'voteResponse',
      from: this.id,
      to: m.from,
      // A granted pre-vote answers in the candidate's future term so the candidate counts it.
      term: grant && m.preVote ? m.term : this.term,
      preVote: m.preVote,
      reject: !grant,
    });
    if (grant) this.votesGranted++;
    if (grant && !m.preVote) {
      this.vote = m.from;
      this.resetElectionDeadline();
    } else if (grant && this.hintedPreVote) {
      // We yielded to a better candidate: leave the field to it instead of splitting the vote.
      this.becomeFollower(this.term, null);
    }
  }

  /**
   * The followers of a gone leader all get `leaderGone` at about the same moment and would each win
   * the others' pre-votes, then split the real vote. So a pre-candidate of a hint grants a pre-vote
   * only to a candidate with a newer log, or an equal log and a lower id: one of them wins. It only
   * refuses pre-votes, which decide no term and no vote (liveness only, thesis 9.6).
   */
  private yieldsPreVoteTo(m: VoteMessage): boolean {
    const lastTerm = this.log.lastTerm();
    if (m.logTerm !== lastTerm) return m.logTerm > lastTerm;
    const lastIndex = this.log.lastIndex();
    if (m.index !== lastIndex) return m.index > lastIndex;
    return m.from < this.id;
  }

  private handleVoteResponse(m: VoteResponseMessage): void {
    if (this.role === 'precandidate' ? !m.preVote : this.role !== 'candidate' || m.preVote) return;
    if (!this.membership.isVoter(m.from)) return;
    this.tracker.recordVote(m.from, !m.reject);
    this.tallyVotes();
  }

  /** Counts this node's vote for itself; returns true when that ended the election. */
  private tallyOwnVote(): boolean {
    this.tracker.recordVote(this.id, true);
    return this.tallyVotes();
  }

  /**
   * The candidate's term and vote for itself became durable: its vote counts now. Counting it earlier
   * would be unsafe: a candidate that crashed before the write restarts without the vote and may give
   * it to another candidate of the same term. The vote requests went out before the write, and that
   * is safe: they make others adopt the term, never grant anything, and the grants they bring count
   * towards this term's quorum as they would have after the write. Once a quorum of others granted,
   * the candidate may even lead before its own write ends (its messages as leader still wait for it,
   * see send()): every quorum of the term then overlaps the voters that granted to it.
   */
  private countOwnVote(): void {
    if (this.role !== 'candidate' || this.durableTerm !== this.term || this.vote !== this.id) return;
    this.tallyOwnVote();
  }

  /** Returns true when the election ended (won or lost). */
  private tallyVotes(): boolean {
    const outcome = this.tracker.voteResult();
    if (outcome === 'pending') return false;
    if (outcome === 'lost') {
      this.becomeFollower(this.term, null);
      return true;
    }
    if (this.role === 'precandidate') this.campaign('election');
    else this.becomeLeader();
    return true;
  }

  // ---------------------------------------------------------------- roles

  private becomeFollower(term: number, leader: NodeId | null): void {
    if (term !== this.term) {
      this.term = term;
      this.vote = null;
      this.leaseRefused.clear();
    }
    this.leaveLeadership();
    this.hintedPreVote = false;
    this.goneAtLeaseEnd = false;
    this.role = 'follower';
    this.leader = leader;
    if (leader !== null) this.leaderContactAt = this.now;
    this.resetElectionDeadline();
  }

  private becomePreCandidate(): void {
    this.leaveLeadership();
    this.hintedPreVote = false;
    this.goneAtLeaseEnd = false;
    this.role = 'precandidate';
    this.leader = null;
    this.tracker.resetVotes();
    this.resetCandidateDeadline();
  }

  private becomeCandidate(): void {
    this.leaveLeadership();
    this.hintedPreVote = false;
    this.role = 'candidate';
    this.term += 1;
    this.vote = this.id;
    this.leaseRefused.clear();
    this.leader = null;
    this.tracker.resetVotes();
    this.resetCandidateDeadline();
  }

  private becomeLeader(): void {
    this.role = 'leader';
    this.leader = this.id;
    this.transferee = null;
    this.transferDeadline = NO_DEADLINE;
    this.timeoutNowSent = false;
    this.heartbeatDue = this.now + this.cfg.heartbeatInterval;
    this.checkQuorumDue = this.now + this.cfg.electionTimeout;
    this.tracker.clear();
    this.departing = 0;
    this.forwarded.clear();
    for (const id of allMembers(this.membership.config)) this.addProgress(id);
    this.tracker.changed();
    // Thesis 4.1 (errata): no configuration change until an entry of this term is committed; the
    // no-op below is that entry, so any configuration entry still in the log counts as pending.
    this.pendingConfIndex = this.log.lastIndex();
    // Paper section 8: a new leader commits a blank entry of its own term at once, which commits
    // everything before it (5.4.2) and lets it serve reads (thesis 6.4).
    this.appendProposals([{ kind: 'noop' }]);
  }

  private leaveLeadership(): void {
    if (this.role !== 'leader') return;
    this.heartbeatDue = NO_DEADLINE;
    this.checkQuorumDue = NO_DEADLINE;
    this.transferee = null;
    this.transferDeadline = NO_DEADLINE;
    this.forwarded.clear();
    this.departing = 0;
    this.releaseUnsentProbes();
    this.tracker.clear();
    this.tracker.changed();
    // Reads waiting on this leader cannot be confirmed any more: refuse them so callers retry.
    for (const r of this.readOnly.clear()) this.refuseRead(r.context, r.from);
    for (const r of this.heldReads) this.refuseRead(r.context, r.from);
    this.heldReads = [];
  }

  /** A new randomized election timeout in [t, 2t) (paper 5.2), counted from now. */
  private resetElectionDeadline(): void {
    const t = this.cfg.electionTimeout;
    this.randomizedTimeout = t + Math.floor(this.cfg.random() * t);
    this.electionDeadline = this.now + this.randomizedTimeout;
  }

  /**
   * The leader was heard from: the election timeout starts over, with the timeout drawn when this
   * node last reset it (as etcd does). Drawing anew on every append would move the deadline earlier
   * about half of the time, and the runtime would re-arm its timer for nearly every message.
   */
  private extendElectionDeadline(): void {
    this.electionDeadline = this.now + this.randomizedTimeout;
  }

  private resetCandidateDeadline(): void {
    if (this.cfg.candidateTimeout) this.electionDeadline = this.now + this.cfg.candidateTimeout();
    else this.resetElectionDeadline();
  }

  private tickLeader(): void {
    if (this.now >= this.checkQuorumDue) {
      this.checkQuorumDue = this.now + this.cfg.electionTimeout;
      // Thesis 6.2: a leader that has not heard from a quorum for an election timeout steps down.
      if (this.cfg.checkQuorum && !this.tracker.quorumActive()) {
        this.becomeFollower(this.term, null);
        return;
      }
      this.tracker.resetRecentActive();
    }
    if (this.now >= this.transferDeadline) {
      // The transfer did not finish in time: take proposals again (thesis 3.10).
      this.transferee = null;
      this.transferDeadline = NO_DEADLINE;
    }
    if (this.now >= this.heartbeatDue) {
      this.heartbeatDue = this.now + this.cfg.heartbeatInterval;
      this.broadcastHeartbeat(this.readOnly.lastContext());
    }
  }

  // ---------------------------------------------------------------- follower side (paper 5.3, 7)

  private stepFromLeader(m: AppendMessage | HeartbeatMessage | SnapshotMessage): void {
    // A joiner joins the cluster of the first leader that reaches it. The id becomes part of the hard
    // state, which is durable before this node answers (its answers wait for the persist).
    if (this.cluster === null && m.cluster !== undefined) this.cluster = m.cluster;
    if (this.role !== 'follower') this.becomeFollower(this.term, m.from);
    this.leader = m.from;
    this.leaderContactAt = this.now;
    // The leader is alive after all (a hint may be wrong): its lease and our timeout start over.
    this.goneAtLeaseEnd = false;
    this.extendElectionDeadline();
    if (m.type === 'append') this.handleAppend(m);
    else if (m.type === 'heartbeat') this.handleHeartbeat(m);
    else this.handleSnapshotChunk(m);
  }

  private handleAppend(m: AppendMessage): void {
    if (m.index < this.log.committed) {
      // Everything up to our commit index matches any leader's log (5.4); tell it so.
      this.replyAppend(m.from, this.log.committed);
      return;
    }
    const writtenFrom = this.log.maybeAppend(m.index, m.logTerm, m.entries);
    if (writtenFrom === undefined) {
      // Fast backtracking: point the leader at the last entry that could match its term.
      const hint = this.log.findConflictByTerm(Math.min(m.index, this.log.lastIndex()), m.logTerm);
      this.send({
        type: 'appendResponse',
        from: this.id,
        to: m.from,
        term: this.term,
        index: m.index,
        reject: true,
        hintIndex: hint.index,
        hintTerm: hint.term,
      });
      return;
    }
    if (writtenFrom > 0) this.trackConfigEntries(m.entries, writtenFrom);
    const lastNew = m.index + m.entries.length;
    // Paper Figure 2: commitIndex = min(leaderCommit, index of last new entry).
    this.log.commitTo(Math.min(m.commit, lastNew));
    this.replyAppend(m.from, lastNew);
  }

  /** Configuration entries take effect when appended, and are undone when truncated (thesis 4.1). */
  private trackConfigEntries(entries: Entry[], writtenFrom: number): void {
    this.membership.truncateFrom(writtenFrom);
    for (const e of entries) {
      if (e.index >= writtenFrom && e.kind === 'config')
        this.membership.append(e.index, e.data as ClusterConfig);
    }
  }

  private replyAppend(to: NodeId, index: number): void {
    this.send({ type: 'appendResponse', from: this.id, to, term: this.term, index, reject: false });
  }

  private handleHeartbeat(m: HeartbeatMessage): void {
    // The leader sends min(commit, our match), so this never commits entries we do not have.
    this.log.commitTo(m.commit);
    const reply: HeartbeatResponseMessage = {
      type: 'heartbeatResponse',
      from: this.id,
      to: m.from,
      term: this.term,
    };
    if (m.context !== undefined) reply.context = m.context;
    if (m.sentAt !== undefined) reply.sentAt = m.sentAt;
    this.send(reply);
  }

  private handleSnapshotChunk(m: SnapshotMessage): void {
    if (m.meta.index <= this.log.committed) {
      // We already hold all it covers (say, our answer to its last chunk was lost): say so at once
      // rather than ask for the whole snapshot again.
      this.receiver.reset();
      this.replyAppend(m.from, this.log.committed);
      return;
    }
    const result = this.receiver.receive(m);
    if (result.kind === 'continue') {
      this.sendSnapshotResponse(m.from, 0, result.offset, false);
      return;
    }
    if (result.kind === 'invalid') {
      this.sendSnapshotResponse(m.from, 0, 0, true);
      return;
    }
    this.installSnapshot(m.from, result.snapshot);
  }

  /** Paper section 7: install a snapshot unless our log already holds what it covers. */
  private installSnapshot(from: NodeId, snap: Snapshot): void {
    const { index, term } = snap.meta;
    if (index <= this.log.committed) {
      this.replyAppend(from, this.log.committed);
      return;
    }
    if (this.log.matchTerm(index, term)) {
      // We have the entry the snapshot ends with: keep the log after it, just commit up to it.
      this.log.commitTo(index);
      this.replyAppend(from, index);
      return;
    }
    this.log.restore(snap);
    this.membership.reset(snap.meta.config, index);
    this.replyAppend(from, index);
  }

  private sendSnapshotResponse(to: NodeId, index: number, offset: number, reject: boolean): void {
    this.send({ type: 'snapshotResponse', from: this.id, to, term: this.term, index, offset, reject });
  }

  // ---------------------------------------------------------------- leader side (paper 5.3, 5.4.2)

  private checkProposal(entries: ProposedEntry[]): ProposeOutcome | null {
    if (this.transferee !== null)
      return refuse('TRANSFERRING', `leadership is being transferred to ${this.transferee}`);
    // Scenario 25: without a quorum nothing commits, so the uncommitted tail must stay bounded. A batch
    // that would cross the bound is refused whole, unless nothing is uncommitted (so any batch can go).
    const uncommitted = this.log.lastIndex() - this.log.committed;
    if (uncommitted > 0 && uncommitted + entries.length > this.cfg.maxUncommittedEntries) {
      return refuse(
        'UNCOMMITTED_LIMIT',
        'too many uncommitted entries: the cluster may have lost its quorum',
      );
    }
    // Most batches hold commands only: the rules of configuration changes apply only when one is in it.
    if (!hasConfigChange(entries)) return null;
    const refusal = checkConfigChanges(this.membership.config, entries, this.configChangeInProgress());
    return refusal && refuse(refusal.code, refusal.reason);
  }

  /**
   * Thesis 4.1: one configuration change at a time, and (errata) only after this leader has committed
   * an entry of its own term.
   */
  private configChangeInProgress(): boolean {
    return this.pendingConfIndex > this.log.committed || this.log.term(this.log.committed) !== this.term;
  }

  /** Proposals a follower forwarded (as the seed does): append them, or tell the proposer why not. */
  private handleForwardedProposal(from: NodeId, proposed: ProposedEntry[]): void {
    // Only the first copy of a proposal gets a decision in a term; later copies (duplicates, resends)
    // get the same one: dropped when it was appended, refused again when it was refused.
    const fresh: ProposedEntry[] = [];
    for (const e of proposed) {
      const earlier =
        e.client === undefined || e.seq === undefined ? undefined : this.forwarded.decided(e.client, e.seq);
      if (earlier === undefined) fresh.push(e);
      else if (!earlier.accepted) this.sendRefusal(from, [e], earlier.code, earlier.reason);
    }
    if (fresh.length === 0) return;
    // A node outside the configuration (removed, or never added) must not have its commands committed
    // by this cluster: refuse at once, so its caller learns it instead of waiting for a timeout. The
    // refusal is recorded like any other, so no later copy can be appended in this term.
    const refusal = this.isMember(from)
      ? this.checkProposal(fresh)
      : refuse('NOT_MEMBER', `${from} is not a member of the cluster`);
    const decision: ForwardedDecision =
      refusal === null || refusal.ok
        ? ACCEPTED_DECISION
        : { accepted: false, code: refusal.code, reason: refusal.reason };
    for (const e of fresh)
      if (e.client !== undefined && e.seq !== undefined) this.forwarded.record(e.client, e.seq, decision);
    if (decision.accepted) this.appendProposals(fresh);
    else this.sendRefusal(from, fresh, decision.code, decision.reason);
  }

  private isMember(id: NodeId): boolean {
    const { voters, learners } = this.membership.config;
    return voters.includes(id) || learners.includes(id);
  }

  /** Tells the proposer that these forwarded entries will never be appended (one message per client). */
  private sendRefusal(to: NodeId, entries: ProposedEntry[], code: string, reason: string): void {
    const byClient = new Map<string, number[]>();
    for (const e of entries) {
      if (e.client === undefined || e.seq === undefined) continue;
      let seqs = byClient.get(e.client);
      if (!seqs) {
        seqs = [];
        byClient.set(e.client, seqs);
      }
      seqs.push(e.seq);
    }
    for (const [client, seqs] of byClient) {
      this.send({ type: 'proposeRefused', from: this.id, to, term: this.term, client, seqs, code, reason });
    }
  }

  /**
   * Thesis 4.2.1: a new server joins as a learner and becomes a voter only once it has caught up,
   * so adding it does not stall commits while it copies the log. The leader promotes it when it is
   * within `learnerCatchUpLag` entries, one change at a time.
   */
  private maybePromoteLearner(id: NodeId, pr: Progress): void {
    if (!this.cfg.promoteLearners || !pr.isLearner || pr.state !== 'replicate' || this.transferee !== null)
      return;
    if (pr.match + this.cfg.learnerCatchUpLag < this.log.lastIndex()) return;
    // No other change may be pending; so neither is the removal of this learner, whose progress
    // (see syncProgressWithConfig) outlives it only until that removal commits.
    if (this.configChangeInProgress()) return;
    const { voters, learners } = this.membership.config;
    const promoted: ClusterConfig = { voters: [...voters, id], learners: learners.filter((l) => l !== id) };
    this.appendProposals([{ kind: 'config', data: promoted }]);
  }

  private appendProposals(proposed: ProposedEntry[], dataLengths?: readonly (number | undefined)[]): void {
    let index = this.log.lastIndex();
    const entries: Entry[] = new Array(proposed.length);
    for (let i = 0; i < proposed.length; i++) {
      const p = proposed[i]!;
      index += 1;
      entries[i] = makeEntry(index, this.term, p.kind, p.data, p.client, p.seq);
      if (p.kind === 'config') {
        this.pendingConfIndex = index;
        this.membership.append(index, p.data as ClusterConfig);
        this.syncProgressWithConfig();
      }
    }
    this.log.append(entries, dataLengths);
    this.broadcastAppend();
  }

  /**
   * Progress entries follow the configuration: new members get one at once. A removed member keeps
   * its own until the removal commits (as in etcd), so it is sent the entry that removes it and then
   * the commit index: it learns that it left (its `leave()` resolves, it stops campaigning). Its
   * answers no longer count towards any quorum, which only ever looks at the configuration's voters.
   */
  private syncProgressWithConfig(): void {
    const config = this.membership.config;
    const members = new Set(allMembers(config));
    for (const id of members) {
      const pr = this.tracker.get(id);
      if (pr) pr.isLearner = !config.voters.includes(id);
      else this.addProgress(id);
    }
    const removalCommitted = this.membership.index <= this.log.committed;
    this.departing = 0;
    for (const id of this.tracker.ids()) {
      if (members.has(id)) continue;
      if (!removalCommitted) {
        this.departing++;
        continue;
      }
      // Its last append: the commit index that tells it the removal is final.
      this.sendAppend(id, true);
      this.tracker.delete(id);
    }
    this.tracker.changed();
  }

  /** Starts tracking `id`'s progress; the leader's own match is what its log holds durably. */
  private addProgress(id: NodeId): void {
    const pr = this.tracker.add(id, this.log.lastIndex() + 1, this.now);
    if (id === this.id) pr.match = this.log.stabled;
  }

  private broadcastAppend(): void {
    for (const id of this.tracker.replicas) this.sendAppend(id, false);
  }

  private broadcastHeartbeat(context: string | undefined): void {
    for (const id of this.tracker.replicas) {
      const pr = this.tracker.get(id)!;
      const m: HeartbeatMessage = {
        type: 'heartbeat',
        from: this.id,
        to: id,
        term: this.term,
        // Never tell a follower to commit past what it is known to hold (etcd's heartbeat rule).
        commit: Math.min(pr.match, this.log.committed),
        sentAt: this.now,
      };
      pr.heartbeatSentAt = this.now;
      pr.sentBeforeHeartbeat = pr.next - 1;
      if (context !== undefined) m.context = context;
      this.send(m);
    }
  }

  /**
   * Sends `to` the entries it lacks. Returns whether a message went out. In replicate state several
   * appends are pipelined up to the inflight window; in probe state one at a time.
   */
  private sendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const pr = this.tracker.get(to);
    if (!pr) return false;
    if (pr.unsentProbe !== null) return this.extendUnsentProbe(pr, pr.unsentProbe);
    let sent = false;
    while (!pr.isPaused(this.cfg.maxInflight)) {
      // Nothing new to send: stop, unless an empty append is wanted (it still serves as a probe or
      // carries a new commit index).
      if (pr.next > this.log.lastIndex() && (sent || !sendIfEmpty)) return sent;
      const prevIndex = pr.next - 1;
      const prevTerm = this.log.term(prevIndex);
      if (prevTerm === undefined) {
        // The entries it needs are compacted away (paper 7).
        this.startSnapshot(to, pr);
        return true;
      }
      const entries = this.log.slice(
        pr.next,
        this.log.lastIndex(),
        this.cfg.maxEntriesPerAppend,
        this.cfg.maxAppendChars,
      );
      const last = entries.length > 0 ? entries[entries.length - 1]!.index : prevIndex;
      const commit = this.log.committed;
      const m: AppendMessage = {
        type: 'append',
        from: this.id,
        to,
        term: this.term,
        index: prevIndex,
        logTerm: prevTerm,
        entries,
        commit,
      };
      this.send(m);
      this.tracker.commitSent(pr);
      pr.sentEntries(last, entries.length);
      if (pr.state === 'probe') this.holdUnsentProbe(pr, m);
      sent = true;
      if (pr.state !== 'replicate' || entries.length === 0) return true;
    }
    return sent;
  }

  /**
   * A probe is one append at a time, so entries proposed after it was made would wait a round trip
   * for its answer. While it has not left the outbox it can still carry them: the same append as if it
   * had been made now (same previous entry, so the follower's consistency check is unchanged, paper
   * 5.3), up to the usual size limits. This is what lets a new leader's first append carry the
   * proposals made as it took over, beside its no-op (paper 8).
   */
  private extendUnsentProbe(pr: Progress, m: AppendMessage): boolean {
    const entries = this.log.slice(
      m.index + 1,
      this.log.lastIndex(),
      this.cfg.maxEntriesPerAppend,
      this.cfg.maxAppendChars,
    );
    if (entries.length > m.entries.length) m.entries = entries;
    m.commit = this.log.committed;
    this.tracker.commitSent(pr);
    return true;
  }

  private holdUnsentProbe(pr: Progress, m: AppendMessage): void {
    pr.unsentProbe = m;
    this.unsentProbes.push(pr);
  }

  /** The runtime took the messages: the probes in them are on their way and can change no more. */
  private releaseUnsentProbes(): void {
    for (const pr of this.unsentProbes) pr.unsentProbe = null;
    this.unsentProbes.length = 0;
  }

  private stepLeaderResponse(
    m: AppendResponseMessage | HeartbeatResponseMessage | SnapshotResponseMessage,
  ): void {
    const pr = this.tracker.get(m.from);
    if (!pr) return;
    pr.recentActive = true;
    pr.lastResponseAt = this.now;
    if (m.type === 'appendResponse') this.handleAppendResponse(m, pr);
    else if (m.type === 'heartbeatResponse') this.handleHeartbeatResponse(m, pr);
    else this.handleSnapshotResponse(m, pr);
  }

  private handleAppendResponse(m: AppendResponseMessage, pr: Progress): void {
    if (m.reject) {
      // Fast backtracking (paper 5.3): jump to the last index where the follower's log can match.
      // A validated rejection always carries both hints.
      const hintIndex = m.hintIndex ?? 0;
      const hintTerm = m.hintTerm ?? 0;
      const probe = hintTerm > 0 ? this.log.findConflictByTerm(hintIndex, hintTerm).index : hintIndex;
      if (pr.maybeDecrTo(m.index, probe)) {
        if (pr.state === 'replicate') pr.becomeProbe();
        this.sendAppend(m.from, true);
      }
      return;
    }
    if (!pr.maybeUpdate(m.index)) return;
    if (pr.state === 'probe') pr.becomeReplicate();
    else if (pr.state === 'snapshot' && pr.match >= pr.pendingSnapshot) {
      pr.becomeProbe();
      pr.becomeReplicate();
    }
    // A match at or below the commit index cannot move it (the second acknowledgement of an entry).
    if (pr.match > this.log.committed && this.maybeCommit()) this.oweCommitToAll();
    this.sendAppend(m.from, false);
    if (m.from === this.transferee && pr.match === this.log.lastIndex()) this.sendTimeoutNow(m.from);
    if (pr.isLearner) this.maybePromoteLearner(m.from, pr);
  }

  private handleHeartbeatResponse(m: HeartbeatResponseMessage, pr: Progress): void {
    // The follower is alive: let a paused probe go again, and resend what it lacks.
    pr.probeSent = false;
    // A confused peer may echo a time we never sent: never let it extend the lease into the future.
    if (m.sentAt !== undefined && m.sentAt > pr.heartbeatAckedAt)
      pr.heartbeatAckedAt = Math.min(m.sentAt, this.now);
    if (pr.state === 'snapshot') {
      // Chunks go one at a time, each sent when the previous one is answered. Only when no answer
      // moved the offset for a whole heartbeat round was a chunk (or its answer) lost: send it again.
      // Resending on every heartbeat would start one more stream per heartbeat.
      if (pr.snapshotOffset === pr.snapshotOffsetAtHeartbeat) this.sendSnapshotChunk(m.from, pr);
      pr.snapshotOffsetAtHeartbeat = pr.snapshotOffset;
    } else if (pr.match < this.log.lastIndex()) {
      // In replicate state an append whose answer never came (lost on the way) would stall the
      // follower. The answer to a heartbeat comes after the answers to every append sent before it,
      // so if those did not bring `match` up to what was sent, one was lost: probe again. (A follower
      // with a slow disk answers late but in order, and is not mistaken for a lost one.)
      const stalled =
        pr.state === 'replicate' && m.sentAt === pr.heartbeatSentAt && pr.match < pr.sentBeforeHeartbeat;
      if (stalled) pr.becomeProbe();
      // Even an empty append is worth sending (etcd does the same): at next - 1 it is a probe that
      // either collects a lost acknowledgement or is rejected and starts the repair, in one round trip.
      this.sendAppend(m.from, true);
    }
    if (m.context !== undefined)
      this.releaseReads(this.readOnly.ack(m.context, m.from, this.membership.config.voters));
    // A learner that caught up while another change was pending is promoted here once that change
    // has committed: in an idle cluster, or with its append answers lost, heartbeats are all it answers.
    if (pr.isLearner) this.maybePromoteLearner(m.from, pr);
  }

  private handleSnapshotResponse(m: SnapshotResponseMessage, pr: Progress): void {
    if (pr.state !== 'snapshot') return;
    if (m.reject) {
      // The follower could not use it (say, it could not decode it): probe again, which starts over.
      pr.becomeProbe();
      return;
    }
    // A second answer for the same chunk (a duplicate, or the answer to a resent chunk): that offset's
    // chunk is already on its way.
    if (m.offset === pr.snapshotOffset) return;
    pr.snapshotOffset = m.offset;
    this.sendSnapshotChunk(m.from, pr);
  }

  /** Paper 5.3 and 5.4.2: commit the highest index stored on a majority, if it is of this term. */
  private maybeCommit(): boolean {
    const self = this.tracker.get(this.id);
    if (self) self.match = this.log.stabled;
    const index = this.tracker.committed();
    // Figure 8: entries of earlier terms are never committed by counting replicas.
    if (index <= this.log.committed || this.log.term(index) !== this.term) return false;
    const firstOfTerm = this.log.term(this.log.committed) !== this.term;
    this.log.commitTo(index);
    if (firstOfTerm) this.onFirstCommitOfTerm();
    if (this.departing > 0 && this.membership.index <= index) this.syncProgressWithConfig();
    this.maybeFinishRemoval();
    return true;
  }

  /** Thesis 4.2.2: a leader removed from the configuration steps down once the removal commits. */
  private maybeFinishRemoval(): void {
    if (!this.membership.isVoter(this.id) && this.membership.index <= this.log.committed) {
      this.becomeFollower(this.term, null);
    }
  }

  /** Followers learn the new commit index in the next append; owe one to each follower now. */
  private oweCommitToAll(): void {
    if (this.role !== 'leader') return;
    this.tracker.oweCommitToAll();
  }

  /**
   * Work held back to the end of the event-loop turn: followers owed the new commit index, and a
   * heartbeat round for pending reads. The runtime calls `flushDeferred` then, so a stream of
   * proposals carries the commit index in its appends, and all reads of a turn share one round.
   */
  get hasDeferred(): boolean {
    return this.tracker.commitOwed || this.readRoundOwed;
  }

  flushDeferred(): void {
    if (this.readRoundOwed) {
      this.readRoundOwed = false;
      // One round confirms the newest read and, with it, every earlier one (thesis 6.4).
      if (this.role === 'leader') this.broadcastHeartbeat(this.readOnly.lastContext());
    }
    if (!this.tracker.commitOwed) return;
    for (const id of this.tracker.replicas) {
      const pr = this.tracker.get(id)!;
      if (!pr.commitOwed) continue;
      this.tracker.commitSent(pr);
      if (pr.state === 'snapshot') continue;
      // An empty append carries the commit index; paused followers get it with their next append.
      if (!pr.isPaused(this.cfg.maxInflight)) this.sendAppend(id, true);
    }
  }

  private sendTimeoutNow(to: NodeId): void {
    this.timeoutNowSent = true;
    this.send({ type: 'timeoutNow', from: this.id, to, term: this.term });
  }

  // ---------------------------------------------------------------- snapshots (paper 7)

  private startSnapshot(to: NodeId, pr: Progress): void {
    const snap = this.localSnapshot;
    if (!snap) return;
    pr.becomeSnapshot(snap.meta.index);
    this.sendSnapshotChunk(to, pr);
  }

  private sendSnapshotChunk(to: NodeId, pr: Progress): void {
    const snap = this.localSnapshot;
    if (!snap) return;
    if (snap.meta.index !== pr.pendingSnapshot) {
      // A newer snapshot replaced the one being sent: start over with it.
      pr.becomeSnapshot(snap.meta.index);
    }
    if (this.localSnapshotEncoded === null) this.localSnapshotEncoded = JSON.stringify(snap.data ?? null);
    const encoded = this.localSnapshotEncoded;
    const offset = Math.min(pr.snapshotOffset, encoded.length);
    const data = encoded.slice(offset, offset + this.cfg.snapshotChunkChars);
    this.send({
      type: 'snapshot',
      from: this.id,
      to,
      term: this.term,
      meta: snap.meta,
      offset,
      data,
      done: offset + data.length >= encoded.length,
    });
  }

  // ---------------------------------------------------------------- reads (thesis 6.4)

  private leaderReadIndex(context: string, from: NodeId): void {
    if (this.log.term(this.log.committed) !== this.term) {
      // Step 1 of thesis 6.4: the leader's commit index is only known to be current once it has
      // committed an entry of its term (scenario 20).
      this.heldReads.push({ context, from });
      return;
    }
    const index = this.log.committed;
    const voters = this.membership.config.voters;
    if (voters.length === 1 && voters[0] === this.id) {
      this.finishRead(context, from, index);
      return;
    }
    if (this.cfg.readPolicy === 'lease' && this.inLeaderLease()) {
      this.finishRead(context, from, index);
      return;
    }
    this.readOnly.add(context, index, from, this.id);
    this.readRoundOwed = true;
  }

  /**
   * Thesis 6.4.1: with check-quorum, a voter that heard from this leader at time t votes for nobody
   * else before t + electionTimeout. Heartbeats echo the leader's send time, so the leader knows a
   * quorum heard from it no later than the quorum's oldest echoed time; reads are safe until that plus
   * the election timeout, minus a margin for clocks running at different rates (`leaseClockDrift`).
   */
  private inLeaderLease(): boolean {
    if (!this.cfg.checkQuorum || this.transferee !== null || this.timeoutNowSent) return false;
    const leaseStart = this.tracker.quorumHeardAt(this.now);
    return this.now < leaseStart + this.cfg.electionTimeout - this.cfg.leaseClockDrift;
  }

  private onFirstCommitOfTerm(): void {
    const held = this.heldReads;
    this.heldReads = [];
    for (const r of held) this.leaderReadIndex(r.context, r.from);
  }

  private releaseReads(reads: PendingRead[]): void {
    for (const r of reads) this.finishRead(r.context, r.from, r.index);
  }

  private finishRead(context: string, from: NodeId, index: number): void {
    if (from === this.id) this.readStates.push({ context, index });
    else this.send({ type: 'readIndexResponse', from: this.id, to: from, term: this.term, context, index });
  }

  /** `code` says why, when the reason is not a change of leader (the reader then retries elsewhere). */
  private refuseRead(context: string, from: NodeId, code?: string): void {
    if (from === this.id) this.readStates.push({ context, index: -1 });
    else if (code === undefined)
      this.send({ type: 'readIndexResponse', from: this.id, to: from, term: this.term, context, index: -1 });
    else
      this.send({
        type: 'readIndexResponse',
        from: this.id,
        to: from,
        term: this.term,
        context,
        index: -1,
        code,
      });
  }

  // ---------------------------------------------------------------- plumbing

  private send(m: Message): void {
    if (this.cluster !== null) m.cluster = this.cluster;
    // A leader's own messages depend on nothing unpersisted once its term is durable (thesis 10.2.1),
    // so they can go out while its log write is in flight.
    // A candidate's vote requests depend on nothing unpersisted either: it counts its own vote only
    // once that is durable (countOwnVote).
    if ((this.role === 'leader' && this.durableTerm === this.term) || (m.type === 'vote' && !m.preVote))
      this.earlyMsgs.push(m);
    else this.msgs.push(m);
  }

  private hardStateChanged(): boolean {
    const p = this.prevHardState;
    return p.term !== this.term || p.vote !== this.vote || (p.cluster ?? null) !== this.cluster;
  }
}

function refuse(code: string, reason: string): ProposeOutcome {
  return { ok: false, code, reason };
}
