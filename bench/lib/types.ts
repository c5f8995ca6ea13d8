import type { LatencySummary } from './stats.js';

/** How MemoryNetwork delivers: all messages of a turn in one task, or each in a task of its own. */
export type Delivery = 'batched' | 'per-message';

/** What a parent asks a worker process to run. */
export interface CaseSpec {
  /** Unique case name, e.g. `commits-3n-1`; what `--only` matches. */
  name: string;
  kind:
    | 'commits'
    | 'floor'
    | 'election'
    | 'memory'
    | 'reads'
    | 'learner'
    | 'transfer'
    | 'browser'
    | 'storage-file'
    | 'coordinator'
    | 'shards'
    | 'replicator'
    | 'leaderfeed';
  nodes: number;
  /** For `commits`, `reads` and `floor`: the MemoryNetwork delivery mode (default `batched`). */
  delivery?: Delivery;
  /** For `reads`: the read policy set on every node (the default is `readIndex`). */
  readPolicy?: 'readIndex' | 'lease';
  /** Proposals (or round trips) kept outstanding. */
  inflight?: number;
  /** Measured operations (commits, round trips, or entries for `memory`). */
  ops?: number;
  /** Operations before measuring (not recorded). `learner`: fill the log to this index before the join; `transfer`: untimed transfers. */
  warmup?: number;
  /** Trials, for `election` and `transfer`. */
  trials?: number;
  /** Heap checkpoints, for `memory`: measure after every `ops / checkpoints` entries. */
  checkpoints?: number;
  /** Heap samples per checkpoint, for `memory`, spread across one compaction cycle. */
  samples?: number;
  /** Write a CPU profile of the measured phase to this path. */
  profile?: string;
  /** How long the case may run (default 300 s, 120 s with --quick). */
  timeoutMs?: number;
}

export interface ThroughputResult {
  name: string;
  kind: 'commits' | 'floor' | 'reads';
  nodes: number;
  delivery: Delivery;
  /** Reads only: the read policy every node ran with. */
  readPolicy?: 'readIndex' | 'lease';
  inflight: number;
  ops: number;
  seconds: number;
  opsPerSec: number;
  /** CPU time (user + system, all threads) the process used in the measured phase. */
  cpuSeconds: number;
  /**
   * Operations per CPU-second of the whole process (GC and JIT compiler threads included): less sensitive
   * than opsPerSec to other processes on the machine, though not a clean single-thread figure.
   */
  opsPerCpuSec: number;
  latency: LatencySummary;
  /** Messages the network carried per operation during the measured phase. */
  messagesPerOp: number;
  /** Leader storage writes per operation (commits and reads). */
  persistsPerOp?: number;
  /** The slowest operations (commits only): latency and the log index it committed at. */
  slowest?: { us: number; index: number }[];
  /** With --repeat: opsPerSec of every run (this result is the fastest). */
  runs?: number[];
  /** Messages per operation by type, counted during the first half of the warm-up (commits only). */
  messageMix?: Record<string, number>;
  /** Storage writes per operation, all nodes, by the writer's role and what the batch held; as messageMix. */
  persistMix?: Record<string, number>;
  /** Event-loop tasks (setImmediate calls) and processing rounds by role, per operation; as messageMix. */
  loopMix?: Record<string, number>;
}

export interface ElectionResult {
  name: string;
  kind: 'election';
  nodes: number;
  trials: number;
  /** Cold start: all nodes started -> first `leader` event, ms. */
  electionMs: number[];
  /** Leader crashed (node halted, transport closed) -> `leader` on another node, ms. */
  failoverMs: number[];
  electionMedianMs: number;
  electionMaxMs: number;
  failoverMedianMs: number;
  failoverMaxMs: number;
}

export interface MemoryPoint {
  /** Committed entries when the sampling of this checkpoint began. */
  entries: number;
  /** Mean heap used over the samples taken across one compaction cycle. */
  heapUsed: number;
  heapMin: number;
  heapMax: number;
  /** Fewest and most entries the leader's storage held after its snapshot across the samples. */
  leaderStoredRange: [number, number];
  /** At the first sample: entries each node's storage holds after the snapshot (compaction working). */
  storedEntries: number[];
  /** At the first sample: entries each node's in-memory log holds. */
  logEntries: number[];
}

export interface MemoryResult {
  name: string;
  kind: 'memory';
  nodes: number;
  inflight: number;
  entries: number;
  snapshotThreshold: number;
  /** Before the first proposal (cluster started, leader elected). */
  baselineHeapUsed: number;
  points: MemoryPoint[];
  /** Growth of heap used from the first checkpoint to the last, as a fraction of the first. */
  growth: number;
  opsPerSec: number;
}

export interface LearnerResult {
  name: string;
  kind: 'learner';
  nodes: number;
  /** Entries committed on the initial cluster before the join (the leader's commit index at join()). */
  commitIndexAtJoin: number;
  snapshotThreshold: number;
  /** The snapshot the new node installed: its index, and the log tail it received after it. */
  snapshotIndex: number;
  tailEntries: number;
  /** From join() to: join() resolving (the learner entry committed and applied on the leader). */
  joinResolvedMs: number;
  /** ... the new node holding the leader's snapshot in its storage. */
  snapshotInstalledMs: number;
  /** ... the new node's lastApplied reaching the leader's commit index (caught up). */
  caughtUpMs: number;
  /** ... the leader's configuration listing the new node as a voter (promoted). */
  promotedMs: number;
  /** ... the new node's own configuration listing itself as a voter. */
  promotedOnNewNodeMs: number;
  /** Messages the network carried from join() to the end of the measurement, by type. */
  messages: Record<string, number>;
  /** Commit throughput while filling the log before the join. */
  fillOpsPerSec: number;
}

export interface TransferResult {
  name: string;
  kind: 'transfer';
  nodes: number;
  trials: number;
  /** transferLeadership() called on the leader -> its promise resolved (the old leader sees the target lead), ms. */
  transferMs: number[];
  /** transferLeadership() called -> the target's own `leader` event, ms. */
  targetLeaderMs: number[];
  /** Who led and who was asked to take over, per trial. */
  path: string[];
  medianMs: number;
  maxMs: number;
  targetLeaderMedianMs: number;
}

export type CaseResult =
  | ThroughputResult
  | ElectionResult
  | MemoryResult
  | LearnerResult
  | TransferResult
  | BrowserResult;

/** A row of the printed table, as a case outside run.ts makes it (run.ts's own Row has this shape). */
export interface TableRow {
  benchmark: string;
  figure: string;
  floor: string;
  target: string;
  met: boolean | null;
}

/**
 * A case run in Chromium (bench/browser/), a storage adapter's on disk (bench/benchmarks/storage-file.ts)
 * the coordinator's (bench/benchmarks/coordinator.ts), the replicator's (bench/benchmarks/replicator.ts) or the
 * leaderfeed's Node backends (bench/benchmarks/leaderfeed.ts): it formats its own rows and detail lines, and
 * keeps its figures for the JSON report.
 */
export interface BrowserResult {
  name: string;
  kind: 'browser' | 'storage-file' | 'coordinator' | 'shards' | 'replicator' | 'leaderfeed';
  nodes: number;
  rows: TableRow[];
  details: string[];
  figures: Record<string, unknown>;
}
