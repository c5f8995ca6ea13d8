import { ConfigurationError } from '@webraft/core';

/** Timing options of every feed (see the package README, Timing). */
export interface LeaderFeedTimingOptions {
  /** Time between a leader's heartbeats. Default 100 ms. */
  heartbeatIntervalMs?: number;
  /**
   * The shortest election timeout of a follower, and the lease a leader gets per heartbeat (the
   * backend forgets a leader this long after its last heartbeat). At least 2 heartbeat intervals.
   * Default 300 ms.
   */
  electionTimeoutMinMs?: number;
  /** The longest election timeout; at least the minimum. Default 600 ms (2 × the minimum). */
  electionTimeoutMaxMs?: number;
  /**
   * The bound on how much faster or slower a feed's clock may run than the backend's, as a fraction
   * (0.01 = 1 %). A leader gives up its lease after `electionTimeoutMinMs × (1 − maxClockDrift)` of its
   * own time, so it stops before the backend can elect another. Default 0.01.
   */
  maxClockDrift?: number;
}

export interface ResolvedTiming {
  heartbeatIntervalMs: number;
  electionTimeoutMinMs: number;
  electionTimeoutMaxMs: number;
  maxClockDrift: number;
}

export const DEFAULT_HEARTBEAT_INTERVAL_MS = 100;
export const DEFAULT_ELECTION_TIMEOUT_MIN_MS = 300;

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0)
    throw new ConfigurationError(`${name} must be a positive number`);
  return value;
}

/** Fills in the defaults and refuses a combination that cannot keep one leader. */
export function resolveTiming(options: LeaderFeedTimingOptions = {}): ResolvedTiming {
  const heartbeatIntervalMs = positive(
    'heartbeatIntervalMs',
    options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS,
  );
  const electionTimeoutMinMs = positive(
    'electionTimeoutMinMs',
    options.electionTimeoutMinMs ?? Math.max(DEFAULT_ELECTION_TIMEOUT_MIN_MS, 2 * heartbeatIntervalMs),
  );
  // The seed's default for the maximum refers to itself; twice the minimum is what it meant.
  const electionTimeoutMaxMs = positive(
    'electionTimeoutMaxMs',
    options.electionTimeoutMaxMs ?? 2 * electionTimeoutMinMs,
  );
  const maxClockDrift = options.maxClockDrift ?? 0.01;
  if (electionTimeoutMinMs < 2 * heartbeatIntervalMs) {
    throw new ConfigurationError('electionTimeoutMinMs must be at least 2 × heartbeatIntervalMs');
  }
  if (electionTimeoutMaxMs < electionTimeoutMinMs) {
    throw new ConfigurationError('electionTimeoutMaxMs must be at least electionTimeoutMinMs');
  }
  if (!(maxClockDrift >= 0 && maxClockDrift < 0.5)) {
    throw new ConfigurationError('maxClockDrift must be in [0, 0.5)');
  }
  return { heartbeatIntervalMs, electionTimeoutMinMs, electionTimeoutMaxMs, maxClockDrift };
}
