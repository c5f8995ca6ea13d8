/** The seed's commit levels: when a put is acknowledged. */
export type CommitLevel = 'ONE' | 'QUORUM' | 'ALL';

export const ONE: CommitLevel = 'ONE';
export const QUORUM: CommitLevel = 'QUORUM';
export const ALL: CommitLevel = 'ALL';

export const COMMIT_LEVELS: readonly CommitLevel[] = Object.freeze([ONE, QUORUM, ALL]);

export function isCommitLevel(value: unknown): value is CommitLevel {
  return value === ONE || value === QUORUM || value === ALL;
}

/**
 * How many durable replicas a level needs out of `replicationFactor`: ONE needs one, ALL every one,
 * QUORUM a strict majority, floor(n / 2) + 1 (so QUORUM of 1 is 1, of 2 is 2, of 3 is 2: the seed's rule).
 */
export function requiredReplicas(level: CommitLevel, replicationFactor: number): number {
  if (level === ONE) return 1;
  if (level === ALL) return replicationFactor;
  return Math.floor(replicationFactor / 2) + 1;
}
