import type { LatencySummary } from './stats.js';

/** What a parent asks a worker process to run. */
export interface CaseSpec {
  /** Unique case name, e.g. `commits-3n-1`; what `--only` matches. */
  name: string;
  kind: 'commits' | 'floor' | 'election' | 'memory';
  nodes: number;
  /** Proposals (or round trips) kept outstanding. */
  inflight?: number;
  /** Measured operations (commits, round trips, or entries for `memory`). */
  ops?: number;
  /** Operations before measuring (not recorded). */
  warmup?: number;
  /** Trials, for `election`. */
  trials?: number;
  /** Heap checkpoints, for `memory`: measure after every `ops / checkpoints` entries. */
  checkpoints?: number;
  /** Heap samples per checkpoint, for `memory`, spread across one compaction cycle. */
  samples?: number;
  /** Write a CPU profile of the measured phase to this path. */
  profile?: string;
}

export interface ThroughputResult {
  name: string;
  kind: 'commits' | 'floor';
  nodes: number;
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
  /** Leader storage writes per operation (commits only). */
  persistsPerOp?: number;
  /** The slowest operations (commits only): latency and the log index it committed at. */
  slowest?: { us: number; index: number }[];
  /** With --repeat: opsPerSec of every run (this result is the fastest). */
  runs?: number[];
  /** Messages per operation by type, counted during the first half of the warm-up (commits only). */
  messageMix?: Record<string, number>;
  /** Storage writes per operation, all nodes, by the writer's role and what the batch held; as messageMix. */
  persistMix?: Record<string, number>;
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

export type CaseResult = ThroughputResult | ElectionResult | MemoryResult;
