import type { CommitLevel } from './commit-level.js';
import type { ReplicationFailedError } from './errors.js';
import type { Peer } from './peer-directory.js';
import type { ReplicaRole } from './placement.js';

/** The peer id a report gives the local storage's replica. */
export const LOCAL_REPLICA = 'local';

/** One replica of a put: where it went and how it ended. Times are ms since the put began. */
export interface ReplicaReport {
  /** The peer's id, or `'local'` for the local storage. */
  readonly id: string;
  /** The peer as added (null for the local storage). */
  readonly peer: Peer | null;
  readonly zone?: string;
  readonly region?: string;
  readonly role: ReplicaRole;
  /** For a `replacement`: the id of the failed replica it stands in for. */
  readonly replaces?: string;
  status: 'pending' | 'stored' | 'failed';
  error?: unknown;
  readonly startedMs: number;
  settledMs?: number;
}

/**
 * Everything about one put, kept up to date while it runs (the `replica` and `settled` events hand
 * it over). `levels` says when each commit level was reached, whichever level the put asked for.
 */
export interface PutReport {
  readonly key: string;
  readonly commitLevel: CommitLevel;
  readonly replicationFactor: number;
  /** Durable replicas `commitLevel` needs. */
  readonly required: number;
  readonly replicas: ReplicaReport[];
  /** Replicas stored so far. */
  durable: number;
  levels: Partial<Record<CommitLevel, number>>;
  /** When the put was acknowledged (its promise resolved), if it was. */
  acknowledgedMs?: number;
  /** Why the put was rejected, if it was. */
  error?: ReplicationFailedError;
  /** No replica is pending and none will be placed again: the work past the acknowledgement is over. */
  settled: boolean;
}

/** What `put` resolves with, once `commitLevel` is reached. */
export interface PutAck {
  readonly key: string;
  readonly commitLevel: CommitLevel;
  /** Ids of the replicas durable at the acknowledgement (`'local'` for the local storage). */
  readonly durable: readonly string[];
  readonly elapsedMs: number;
  /** The live report: `settled` turns true once the remaining replicas are done. */
  readonly report: PutReport;
}
