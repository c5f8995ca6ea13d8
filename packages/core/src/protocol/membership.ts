import type { ClusterConfig, NodeId } from './types.js';

/**
 * Cluster membership as the log defines it (thesis 4.1): a server uses the latest configuration in
 * its log, committed or not, so a configuration entry takes effect when it is appended and is undone
 * when it is truncated. This class keeps the configuration entries still in the log so truncation can
 * fall back to the previous one.
 */
export class Membership {
  /** Configuration entries in log order; the first is the base (from the snapshot or bootstrap). */
  private history: { index: number; config: ClusterConfig }[];

  constructor(base: ClusterConfig, baseIndex: number) {
    this.history = [{ index: baseIndex, config: normalize(base) }];
  }

  get config(): ClusterConfig {
    return this.history[this.history.length - 1]!.config;
  }

  /** Index of the latest configuration entry (the base counts as its snapshot index; bootstrap is 0). */
  get index(): number {
    return this.history[this.history.length - 1]!.index;
  }

  /** The configuration in force at `index` (for snapshots taken at that index). */
  configAt(index: number): ClusterConfig {
    let found = this.history[0]!.config;
    for (const h of this.history) {
      if (h.index > index) break;
      found = h.config;
    }
    return found;
  }

  /** A configuration entry was appended at `index`. */
  append(index: number, config: ClusterConfig): void {
    this.history.push({ index, config: normalize(config) });
  }

  /** The log lost every entry from `index` on: configurations they carried no longer apply. */
  truncateFrom(index: number): void {
    while (this.history.length > 1 && this.history[this.history.length - 1]!.index >= index)
      this.history.pop();
  }

  /** The log was compacted up to `index`: older history is no longer needed, except the last one. */
  compactTo(index: number): void {
    while (this.history.length > 1 && this.history[1]!.index <= index) this.history.shift();
  }

  /** A snapshot from the leader replaced the log. */
  reset(config: ClusterConfig, index: number): void {
    this.history = [{ index, config: normalize(config) }];
  }

  isVoter(id: NodeId): boolean {
    return this.config.voters.includes(id);
  }
}

/** A fingerprint of a configuration's content (order-insensitive), for `ClusterConfig.base`. */
export function configFingerprint(config: ClusterConfig): number {
  const text = `${[...config.voters].sort().join(',')}|${[...config.learners].sort().join(',')}`;
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Every member, voters first. */
export function allMembers(config: ClusterConfig): NodeId[] {
  return [...config.voters, ...config.learners];
}

/**
 * How many voters and learners two configurations differ by. Single-server changes (thesis 4.1) change
 * one server at a time: adding or removing one voter or learner, or promoting/demoting one.
 */
export function membershipDistance(a: ClusterConfig, b: ClusterConfig): number {
  const changed = new Set<NodeId>();
  for (const id of allMembers(a)) if (roleIn(b, id) !== roleIn(a, id)) changed.add(id);
  for (const id of allMembers(b)) if (roleIn(b, id) !== roleIn(a, id)) changed.add(id);
  return changed.size;
}

function roleIn(config: ClusterConfig, id: NodeId): 'voter' | 'learner' | 'none' {
  if (config.voters.includes(id)) return 'voter';
  if (config.learners.includes(id)) return 'learner';
  return 'none';
}

function normalize(config: ClusterConfig): ClusterConfig {
  return {
    voters: [...config.voters],
    learners: config.learners.filter((id) => !config.voters.includes(id)),
  };
}
