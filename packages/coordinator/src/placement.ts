import type { RandomSource } from '@webraft/core';
import type { Location } from './options.js';
import { classify, type PeerClass, type PeerEntry } from './peer-directory.js';

/**
 * Which step of the seed's order placed a replica: `local` (step 1), `otherZone` (2), `otherRegion`
 * (3), `sameZone` (4), `fallback` (a step short of eligible peers, filled from what was left), or
 * `replacement` ("get it done": a failed replica placed again).
 */
export type ReplicaRole = 'local' | 'otherZone' | 'otherRegion' | 'sameZone' | 'fallback' | 'replacement';

/** The peers one coordinator may place on, grouped as placement draws from them. */
export interface PlacementView {
  readonly sameZone: readonly PeerEntry[];
  /** Peers of each other zone of the local region, in the directory's order of zones. */
  readonly otherZones: readonly (readonly PeerEntry[])[];
  /** Peers of each other region, in the directory's order of regions. */
  readonly otherRegions: readonly (readonly PeerEntry[])[];
  /** Peers in all: with the local storage, `size + 1` places. */
  readonly size: number;
}

export interface PlacementPolicy {
  replicationFactor: number;
  otherZoneReplicas: number;
  otherRegionReplicas: number;
}

export interface Placed {
  readonly entry: PeerEntry;
  readonly role: ReplicaRole;
}

function grouped(entries: readonly PeerEntry[], name: (entry: PeerEntry) => string): PeerEntry[][] {
  const groups = new Map<string, PeerEntry[]>();
  for (const entry of entries) {
    const key = name(entry);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [entry]);
    else group.push(entry);
  }
  return [...groups.values()];
}

/** Groups the directory's peers by where they are from `location`, leaving out the coordinator itself. */
export function placementView(
  entries: readonly PeerEntry[],
  location: Readonly<Location>,
  localId: string | undefined,
): PlacementView {
  const byClass: Record<PeerClass, PeerEntry[]> = { sameZone: [], otherZone: [], otherRegion: [] };
  for (const entry of entries) if (entry.id !== localId) byClass[classify(entry, location)].push(entry);
  return {
    sameZone: byClass.sameZone,
    otherZones: grouped(byClass.otherZone, (entry) => entry.zone!),
    otherRegions: grouped(byClass.otherRegion, (entry) => entry.region!),
    size: byClass.sameZone.length + byClass.otherZone.length + byClass.otherRegion.length,
  };
}

/** A random peer of `pool` not in `taken`, or undefined when every one is taken. */
function pickFrom(
  pool: readonly PeerEntry[],
  random: RandomSource,
  taken: Set<string>,
): PeerEntry | undefined {
  if (pool.length === 0) return undefined;
  // Few are taken in a large pool: a few random draws almost always find a free peer without a copy.
  for (let attempt = 0; attempt < 4; attempt++) {
    const entry = pool[Math.floor(random() * pool.length)]!;
    if (!taken.has(entry.id)) return entry;
  }
  const free = pool.filter((entry) => !taken.has(entry.id));
  return free.length === 0 ? undefined : free[Math.floor(random() * free.length)];
}

function shuffledIndexes(n: number, random: RandomSource): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/**
 * Up to `n` untaken peers spread over `groups`: one in each group (groups in random order) before a
 * second in any, so replicas land in as many zones (or regions) as there are.
 */
function spread(
  groups: readonly (readonly PeerEntry[])[],
  n: number,
  random: RandomSource,
  taken: Set<string>,
): PeerEntry[] {
  const out: PeerEntry[] = [];
  if (n <= 0) return out;
  const order = shuffledIndexes(groups.length, random);
  for (let round = true; round && out.length < n; ) {
    round = false;
    for (const g of order) {
      if (out.length >= n) break;
      const entry = pickFrom(groups[g]!, random, taken);
      if (entry === undefined) continue;
      taken.add(entry.id);
      out.push(entry);
      round = true;
    }
  }
  return out;
}

/**
 * The remote replicas of one put, in the seed's order: the local storage holds replica 1; then
 * `otherZoneReplicas` in other zones, `otherRegionReplicas` in other regions, the rest in the same zone.
 * A step that finds too few eligible peers leaves its shortfall to the steps after it; what is still
 * missing after the same zone comes from the peers left in other zones, then in other regions
 * (`fallback`). Returns fewer than `replicationFactor - 1` only when the view has fewer peers.
 */
export function placeReplicas(view: PlacementView, policy: PlacementPolicy, random: RandomSource): Placed[] {
  const taken = new Set<string>();
  const placed: Placed[] = [];
  let remaining = policy.replicationFactor - 1;
  const take = (entries: PeerEntry[], role: ReplicaRole) => {
    for (const entry of entries) placed.push({ entry, role });
    remaining -= entries.length;
  };
  take(spread(view.otherZones, Math.min(policy.otherZoneReplicas, remaining), random, taken), 'otherZone');
  take(
    spread(view.otherRegions, Math.min(policy.otherRegionReplicas, remaining), random, taken),
    'otherRegion',
  );
  take(spread([view.sameZone], remaining, random, taken), 'sameZone');
  take(spread(view.otherZones, remaining, random, taken), 'fallback');
  take(spread(view.otherRegions, remaining, random, taken), 'fallback');
  return placed;
}

/**
 * "Get it done": a peer for a failed replica, not in `taken` (every peer this put already tried). It
 * is looked for where the failed one was first (so zone and region counts hold when they can), then
 * in the seed's order of places.
 */
export function replacementFor(
  view: PlacementView,
  failed: PeerClass | 'local',
  random: RandomSource,
  taken: Set<string>,
): PeerEntry | undefined {
  const pools: Record<PeerClass, readonly (readonly PeerEntry[])[]> = {
    otherZone: view.otherZones,
    otherRegion: view.otherRegions,
    sameZone: [view.sameZone],
  };
  const first: PeerClass = failed === 'local' ? 'sameZone' : failed;
  const order: PeerClass[] = [
    first,
    ...(['otherZone', 'otherRegion', 'sameZone'] as const).filter((c) => c !== first),
  ];
  for (const c of order) {
    const [entry] = spread(pools[c], 1, random, taken);
    if (entry !== undefined) return entry;
  }
  return undefined;
}
