/**
 * The data the Raft protocol exchanges and persists. Everything here is plain JSON: the runtime hands
 * these objects to storage adapters and transports as they are.
 */

/** A node's address: any non-empty string the transport understands. */
export type NodeId = string;

/**
 * What a log entry carries.
 * - `command`: a user proposal, applied to the state machine.
 * - `noop`: appended by a new leader (paper section 8, thesis 6.4) so that it can commit entries of
 *   earlier terms (5.4.2) and serve reads.
 * - `config`: a membership change (thesis 4.1); takes effect when appended, not when committed.
 */
export type EntryKind = 'command' | 'noop' | 'config';

export interface Entry {
  index: number;
  term: number;
  kind: EntryKind;
  /** The command (kind `command`) or the new configuration (kind `config`). */
  data?: unknown;
  /** Exactly-once bookkeeping: who proposed it and their sequence number. */
  client?: string;
  seq?: number;
}

/** A cluster configuration: voters decide elections and commits, learners only receive the log. */
export interface ClusterConfig {
  voters: NodeId[];
  learners: NodeId[];
  /**
   * On a proposed change: a fingerprint (`configFingerprint`) of the configuration it was computed
   * from. The leader refuses the change if its configuration differs from that, so a late retry or a
   * duplicated message can never undo a later change.
   */
  base?: number;
}

/** The durable state a node must not forget across a restart (paper Figure 2, "persistent state"). */
export interface HardState {
  term: number;
  vote: NodeId | null;
  /** Not required by the paper; persisted so a restart can re-apply without waiting for a leader. */
  commit: number;
  /**
   * The identity of the cluster this node belongs to (protocol/cluster-id.ts): fixed when the cluster
   * is bootstrapped, adopted by a joining node from its first leader, and never changed after.
   */
  cluster?: string;
}

export interface SnapshotMeta {
  /** Index and term of the last entry the snapshot covers (paper section 7). */
  index: number;
  term: number;
  /** The configuration as of `index`. */
  config: ClusterConfig;
}

export interface Snapshot {
  meta: SnapshotMeta;
  /** Whatever the state machine's `snapshot()` returned (JSON-serializable). */
  data: unknown;
}

/** Every message carries the sender's term; peers step down or reject by it (paper 5.1). */
interface MessageBase {
  from: NodeId;
  to: NodeId;
  term: number;
  /**
   * The sender's cluster id, set on every message a node with an id sends. A node drops a message of
   * another cluster (etcd checks its cluster id on every message for the same reason): two clusters
   * that share addresses must never mix their logs. Absent only from a joiner that has no id yet.
   */
  cluster?: string;
}

/** AppendEntries (paper 5.3). `index`/`logTerm` name the entry just before `entries`. */
export interface AppendMessage extends MessageBase {
  type: 'append';
  index: number;
  logTerm: number;
  entries: Entry[];
  commit: number;
}

/**
 * Reply to AppendEntries. On success `index` is the last index now known to match the leader.
 * On rejection `index` is the `index` that was probed and (`hintIndex`, `hintTerm`) tell the leader
 * where the follower's log could match (fast backtracking, paper 5.3 last paragraphs). The hints are
 * sent with rejections only: an acknowledgement, the most frequent message of all, needs none.
 */
export interface AppendResponseMessage extends MessageBase {
  type: 'appendResponse';
  index: number;
  reject: boolean;
  hintIndex?: number;
  hintTerm?: number;
}

/** Heartbeats are empty appends without the consistency check; they carry a commit bounded by the match. */
export interface HeartbeatMessage extends MessageBase {
  type: 'heartbeat';
  commit: number;
  /** Read-index round this heartbeat confirms leadership for (thesis 6.4). */
  context?: string;
  /** The leader's clock when it sent this, echoed back: lease reads measure from it (thesis 6.4.1). */
  sentAt?: number;
}

export interface HeartbeatResponseMessage extends MessageBase {
  type: 'heartbeatResponse';
  context?: string;
  sentAt?: number;
}

/** RequestVote (paper 5.2, 5.4.1) and its pre-vote variant (thesis 9.6). */
export interface VoteMessage extends MessageBase {
  type: 'vote';
  preVote: boolean;
  /** The candidate's last log index and term: the voting rule of 5.4.1 compares them. */
  index: number;
  logTerm: number;
  /** Set when a leadership transfer asked for this election: voters ignore their leader lease. */
  transfer?: boolean;
}

export interface VoteResponseMessage extends MessageBase {
  type: 'voteResponse';
  preVote: boolean;
  reject: boolean;
}

/** One chunk of an InstallSnapshot (paper section 7). `data` is a slice of the JSON-encoded snapshot. */
export interface SnapshotMessage extends MessageBase {
  type: 'snapshot';
  meta: SnapshotMeta;
  offset: number;
  data: string;
  done: boolean;
}

/** Reply to a snapshot chunk: `offset` is the next byte wanted; `index` is set when installed. */
export interface SnapshotResponseMessage extends MessageBase {
  type: 'snapshotResponse';
  index: number;
  offset: number;
  reject: boolean;
}

/** Leadership transfer (thesis 3.10): tells an up-to-date follower to campaign right away. */
export interface TimeoutNowMessage extends MessageBase {
  type: 'timeoutNow';
}

/** A proposal a follower forwards to its leader. */
export interface ProposeMessage extends MessageBase {
  type: 'propose';
  entries: ProposedEntry[];
}

/**
 * The leader refused proposals a follower forwarded (transfer in progress, configuration change not
 * possible, too many uncommitted entries). Tells the proposer at once instead of letting it time out.
 */
export interface ProposeRefusedMessage extends MessageBase {
  type: 'proposeRefused';
  client: string;
  seqs: number[];
  code: string;
  reason: string;
}

/** A follower asks its leader for a read index (thesis 6.4). */
export interface ReadIndexMessage extends MessageBase {
  type: 'readIndex';
  context: string;
}

/** The leader's answer: `index` is the commit index the read must wait for; -1 means refused. */
export interface ReadIndexResponseMessage extends MessageBase {
  type: 'readIndexResponse';
  context: string;
  index: number;
  /** With a refusal: why, when it is not a change of leader (`NOT_MEMBER`: the reader is not a member). */
  code?: string;
}

export type Message =
  | AppendMessage
  | AppendResponseMessage
  | HeartbeatMessage
  | HeartbeatResponseMessage
  | VoteMessage
  | VoteResponseMessage
  | SnapshotMessage
  | SnapshotResponseMessage
  | TimeoutNowMessage
  | ProposeMessage
  | ProposeRefusedMessage
  | ReadIndexMessage
  | ReadIndexResponseMessage;

export type MessageType = Message['type'];

/** Every message type, for validation and tests. */
export const MESSAGE_TYPES: readonly MessageType[] = Object.freeze([
  'append',
  'appendResponse',
  'heartbeat',
  'heartbeatResponse',
  'vote',
  'voteResponse',
  'snapshot',
  'snapshotResponse',
  'timeoutNow',
  'propose',
  'proposeRefused',
  'readIndex',
  'readIndexResponse',
] as const);

/** What a caller proposes: the log entry without its position. */
export interface ProposedEntry {
  kind: EntryKind;
  data?: unknown;
  client?: string;
  seq?: number;
}

/** A completed read-index request: reads for `context` may be served once `index` is applied. */
export interface ReadState {
  context: string;
  /** The read index; -1 when refused. */
  index: number;
  /** Why it was refused, when the leader said (see ReadIndexResponseMessage.code). */
  code?: string;
}

export type RaftRole = 'follower' | 'candidate' | 'precandidate' | 'leader';
