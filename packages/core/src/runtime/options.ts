import type { ProtocolTuning, RaftConfig } from '../protocol/raft.js';

/**
 * What the replicated state machine implements. `apply` is called once per committed command, in log
 * order, on every node; what it returns is the `result` of the proposer's `propose()`. It must be
 * deterministic: same commands, same state, on every node.
 */
export interface StateMachine {
  apply(command: unknown, meta: { index: number; term: number }): unknown;
  /** A JSON-serializable copy of the whole state, taken for log compaction (paper section 7). */
  snapshot(): unknown;
  /** Replace the whole state with a snapshot taken by `snapshot()` (on this or another node). */
  restore(snapshot: unknown): void;
}

/**
 * The timings, in ms, with their defaults in `DEFAULT_TIMING`. They are the defaults of the seed's
 * overridable getters (`electionTimeout`, `heartbeatFrequency`, `heartbeatTimeout` of `RaftInterface`):
 * a subclass that overrides a getter wins over the option.
 */
export interface RaftTiming {
  /** How often the leader sends heartbeats. */
  heartbeatFrequency: number;
  /**
   * How long a follower waits without hearing from a leader before it starts an election; the wait is
   * randomized in [t, 2t) so that elections do not split (paper 5.2).
   */
  heartbeatTimeout: number;
  /** A candidate waits for its election to finish a random time in [electionTimeoutMin, electionTimeoutMax). */
  electionTimeoutMin: number;
  electionTimeoutMax: number;
}

/** The seed's defaults. */
export const DEFAULT_TIMING: RaftTiming = Object.freeze({
  heartbeatFrequency: 100,
  heartbeatTimeout: 200,
  electionTimeoutMin: 150,
  electionTimeoutMax: 300,
});

/**
 * Protocol and runtime tunables, with their defaults in `DEFAULT_TUNING`: the protocol's own
 * (`ProtocolTuning`, documented in protocol/raft.ts) and the runtime's below.
 */
export interface RaftTuning extends ProtocolTuning {
  /** Largest command `propose()` accepts, in JSON characters. */
  maxCommandChars: number;
  /** Take a snapshot and compact the log after this many applied entries. */
  snapshotThreshold: number;
  /** Entries kept in memory before a snapshot, for followers that are only a little behind. */
  snapshotTrailingEntries: number;
  /** How long `propose()` waits for its entry to be applied before `OutcomeUnknownError`. */
  proposalTimeout: number;
  /**
   * The leader removes a voter it has not heard from for this long (ms), when the remaining voters
   * still form a quorum among the reachable ones. 0 turns it off (the default).
   */
  memberTimeout: number;
  /** Committed entries applied per batch before yielding to the event loop. */
  maxApplyBatch: number;
}

export const DEFAULT_TUNING: RaftTuning = Object.freeze({
  preVote: true,
  checkQuorum: true,
  maxEntriesPerAppend: 1024,
  maxAppendChars: 1024 * 1024,
  maxCommandChars: 1024 * 1024,
  maxInflight: 256,
  snapshotChunkChars: 256 * 1024,
  maxUncommittedEntries: 100_000,
  snapshotThreshold: 10_000,
  snapshotTrailingEntries: 1_000,
  proposalTimeout: 10_000,
  promoteLearners: true,
  learnerCatchUpLag: 64,
  memberTimeout: 0,
  readPolicy: 'readIndex',
  leaseClockDrift: 50,
  maxApplyBatch: 4096,
});

/** The protocol's config: the runtime's tuning (a `ProtocolTuning`, and more) with the node's id, timings and randomness. */
export function protocolConfig(
  id: string,
  tuning: RaftTuning,
  timing: { electionTimeout: number; heartbeatInterval: number; candidateTimeout?: () => number },
  random: () => number,
): RaftConfig {
  const cfg: RaftConfig = {
    ...tuning,
    id,
    electionTimeout: timing.electionTimeout,
    heartbeatInterval: timing.heartbeatInterval,
    random,
  };
  if (timing.candidateTimeout) cfg.candidateTimeout = timing.candidateTimeout;
  return cfg;
}
