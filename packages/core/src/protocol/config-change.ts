import { configFingerprint, membershipDistance } from './membership.js';
import type { ClusterConfig, ProposedEntry } from './types.js';
import { configProblem } from './validate.js';

/** Why a leader refuses to append a configuration change (the codes reach `propose()` callers). */
export interface ConfigChangeRefusal {
  code: 'CONFIG_PENDING' | 'CONFIG_STALE' | 'CONFIG_TOO_LARGE' | 'CONFIG_EMPTY' | 'INVALID_CONFIG';
  reason: string;
}

/**
 * Whether the configuration `next` may follow `current` (thesis 4.1, single-server changes): it was
 * computed from `current` (its `base` fingerprint, when set, matches), it adds, removes, promotes or
 * demotes at most one server, it keeps a voter, and every node's message validator accepts it.
 */
export function checkConfigChange(current: ClusterConfig, next: ClusterConfig): ConfigChangeRefusal | null {
  if (next.base !== undefined && next.base !== configFingerprint(current)) {
    return { code: 'CONFIG_STALE', reason: 'the configuration changed since this change was computed' };
  }
  if (membershipDistance(current, next) > 1) {
    return { code: 'CONFIG_TOO_LARGE', reason: 'a configuration change may add or remove only one server' };
  }
  if (next.voters.length === 0)
    return { code: 'CONFIG_EMPTY', reason: 'a configuration needs at least one voter' };
  // Never append what every follower's validator refuses: it would refuse every append after it.
  const problem = configProblem(next);
  if (problem !== null) return { code: 'INVALID_CONFIG', reason: problem };
  return null;
}

/**
 * The configuration changes among `entries`, a batch a leader is asked to append after the latest
 * configuration `current`. `changeInProgress`: an earlier change is not committed yet, or this leader
 * has not yet committed an entry of its own term (thesis 4.1 and its errata). Returns the first
 * reason to refuse the whole batch, or null.
 */
export function checkConfigChanges(
  current: ClusterConfig,
  entries: readonly ProposedEntry[],
  changeInProgress: boolean,
): ConfigChangeRefusal | null {
  let config = current;
  let changes = 0;
  for (const e of entries) {
    if (e.kind !== 'config') continue;
    // Two changes in one batch would both take effect uncommitted: majorities of the first and the
    // last configuration need not overlap (thesis 4.1). A forwarded batch may hold anything.
    if (++changes > 1) return { code: 'CONFIG_PENDING', reason: 'one configuration change at a time' };
    if (changeInProgress)
      return { code: 'CONFIG_PENDING', reason: 'a configuration change is still in progress' };
    const next = e.data as ClusterConfig;
    const refusal = checkConfigChange(config, next);
    if (refusal) return refusal;
    config = next;
  }
  return null;
}

/** Whether `entries` hold a configuration change. */
export function hasConfigChange(entries: readonly ProposedEntry[]): boolean {
  for (let i = 0; i < entries.length; i++) if (entries[i]!.kind === 'config') return true;
  return false;
}
