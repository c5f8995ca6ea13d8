import { type Clock, type RandomSource, seededRandom, systemClock } from '@webraft/core';
import { type CommitLevel, isCommitLevel, QUORUM } from './commit-level.js';
import { CoordinatorOptionsError } from './errors.js';
import type { PeerDirectory } from './peer-directory.js';

/** Where replicas go besides the local one (the seed's `replicationStrategy`). */
export interface ReplicationStrategy {
  /** Replicas to place explicitly in other zones of the local region. Default 0. */
  otherZoneReplicas?: number;
  /** Replicas to place explicitly in other regions. Default 0. */
  otherRegionReplicas?: number;
  /**
   * Whether replicas beyond `1 + otherZoneReplicas + otherRegionReplicas` are placed in the same zone
   * (step 4 of the seed's order, as its third worked example does). Default true. With `false` the
   * seed's rule `replicationFactor <= 1 + otherZoneReplicas + otherRegionReplicas` is enforced by the
   * constructor instead.
   */
  sameZoneFill?: boolean;
}

/** Where this coordinator (its local storage) is. */
export interface Location {
  zone?: string;
  region?: string;
}

export interface CoordinatorOptions {
  /** The seed's default commit level: `'ONE'`, `'QUORUM'` (default) or `'ALL'`. */
  commitLevel?: CommitLevel;
  /** Replicas per put, the local one included. Default 1. */
  replicationFactor?: number;
  replicationStrategy?: ReplicationStrategy;
  /**
   * This coordinator's own zone and region, against which peers are classified (see the README,
   * Zones and regions). Default: none, the seed's frame, where a peer added with a `zone` is in another
   * zone, with a `region` in another region, and with neither in the same zone.
   */
  location?: Location;
  /** This coordinator's own peer id: a peer with this id is never chosen (it is the local storage). */
  localId?: string;
  /** Uniform numbers in [0, 1) for random placement; pass `seededRandom(seed)` for a repeatable run. */
  random?: RandomSource;
  /** Time source for the reports' timings. Default: the system clock. */
  clock?: Clock;
  /** The peer map; default a local one (the seed's). `Coordinator.cluster(...)` makes a replicated one. */
  peers?: PeerDirectory;
}

/** The options with every default filled in and checked. */
export interface CheckedOptions {
  commitLevel: CommitLevel;
  replicationFactor: number;
  otherZoneReplicas: number;
  otherRegionReplicas: number;
  sameZoneFill: boolean;
  location: Readonly<Location>;
  localId: string | undefined;
  random: RandomSource;
  clock: Clock;
}

function count(value: unknown, option: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min)
    throw new CoordinatorOptionsError(option, `must be an integer >= ${min}, not ${String(value)}`);
  return value;
}

function label(value: unknown, option: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '')
    throw new CoordinatorOptionsError(option, `must be a non-empty string, not ${String(value)}`);
  return value;
}

export function checkOptions(options: CoordinatorOptions | undefined): CheckedOptions {
  const o = options ?? {};
  if (typeof o !== 'object') throw new CoordinatorOptionsError('options', 'must be an object');
  const commitLevel = o.commitLevel ?? QUORUM;
  if (!isCommitLevel(commitLevel))
    throw new CoordinatorOptionsError(
      'commitLevel',
      `must be ONE, QUORUM or ALL, not ${String(commitLevel)}`,
    );
  const replicationFactor = count(o.replicationFactor, 'replicationFactor', 1, 1);
  const strategy = o.replicationStrategy ?? {};
  if (typeof strategy !== 'object')
    throw new CoordinatorOptionsError('replicationStrategy', 'must be an object');
  const otherZoneReplicas = count(strategy.otherZoneReplicas, 'replicationStrategy.otherZoneReplicas', 0, 0);
  const otherRegionReplicas = count(
    strategy.otherRegionReplicas,
    'replicationStrategy.otherRegionReplicas',
    0,
    0,
  );
  const sameZoneFill = strategy.sameZoneFill ?? true;
  if (typeof sameZoneFill !== 'boolean')
    throw new CoordinatorOptionsError('replicationStrategy.sameZoneFill', 'must be a boolean');
  if (!sameZoneFill && replicationFactor > 1 + otherZoneReplicas + otherRegionReplicas) {
    throw new CoordinatorOptionsError(
      'replicationFactor',
      `${replicationFactor} exceeds 1 + otherZoneReplicas + otherRegionReplicas = ` +
        `${1 + otherZoneReplicas + otherRegionReplicas} while sameZoneFill is false`,
    );
  }
  const location = o.location ?? {};
  if (typeof location !== 'object') throw new CoordinatorOptionsError('location', 'must be an object');
  const random = o.random ?? seededRandom(Math.floor(Math.random() * 2 ** 32));
  if (typeof random !== 'function') throw new CoordinatorOptionsError('random', 'must be a function');
  return {
    commitLevel,
    replicationFactor,
    otherZoneReplicas,
    otherRegionReplicas,
    sameZoneFill,
    location: Object.freeze({
      zone: label(location.zone, 'location.zone'),
      region: label(location.region, 'location.region'),
    }),
    localId: label(o.localId, 'localId'),
    random,
    clock: o.clock ?? systemClock,
  };
}
