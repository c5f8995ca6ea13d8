/**
 * Property tests of placement over random topologies and policies (seeded; SEED=n replays one):
 * never two replicas on one peer, the configured zone and region counts or the documented fallback,
 * spread over distinct zones and regions, and the same choice for the same seed.
 */
import { type RandomSource, seededRandom } from '@webraft/core';
import { describe, expect, it } from 'vitest';
import {
  classify,
  type PeerEntry,
  type PlacementPolicy,
  placementView,
  placeReplicas,
} from '../src/index.js';
import { replay, seedsOr } from './helpers.js';

const int = (random: RandomSource, max: number) => Math.floor(random() * (max + 1));

function randomCase(seed: number) {
  const random = seededRandom(seed);
  const entries: PeerEntry[] = [];
  for (let i = int(random, 4); i > 0; i--) entries.push({ id: `s${i}`, peer: { id: `s${i}` } });
  for (let z = int(random, 4); z > 0; z--)
    for (let i = 1 + int(random, 2); i > 0; i--)
      entries.push({ id: `z${z}.${i}`, peer: { id: `z${z}.${i}` }, zone: `z${z}` });
  for (let r = int(random, 3); r > 0; r--)
    for (let i = 1 + int(random, 2); i > 0; i--)
      entries.push({ id: `r${r}.${i}`, peer: { id: `r${r}.${i}` }, region: `r${r}` });
  // Shuffle the directory order too: placement must not depend on peers being grouped.
  for (let i = entries.length - 1; i > 0; i--) {
    const j = int(random, i);
    [entries[i], entries[j]] = [entries[j]!, entries[i]!];
  }
  const policy: PlacementPolicy = {
    replicationFactor: 1 + int(random, 6),
    otherZoneReplicas: int(random, 3),
    otherRegionReplicas: int(random, 3),
  };
  return { entries, policy };
}

const seeds = seedsOr(Array.from({ length: 400 }, (_, i) => i + 1));

describe('placement properties', () => {
  it(`holds for ${seeds.length} random topologies and policies`, () => {
    for (const seed of seeds) {
      const { entries, policy } = randomCase(seed);
      const view = placementView(entries, {}, undefined);
      const placed = placeReplicas(view, policy, seededRandom(seed));
      const why = `${replay('placement.property.test.ts', seed)}; ${JSON.stringify(policy)}`;
      const ids = placed.map((p) => p.entry.id);

      // Never two replicas on one peer; as many as the factor asks when there are peers enough.
      expect(new Set(ids).size, why).toBe(ids.length);
      expect(ids.length, why).toBe(Math.min(policy.replicationFactor - 1, entries.length));

      // The seed's order: zones take their count (capped by the factor), regions what is left of theirs,
      // the same zone the rest; only what the same zone cannot hold falls back to other zones, then regions.
      const inZones = entries.filter((e) => classify(e, {}) === 'otherZone').length;
      const inRegions = entries.filter((e) => classify(e, {}) === 'otherRegion').length;
      const inSameZone = entries.length - inZones - inRegions;
      const zoneCount = Math.min(policy.otherZoneReplicas, policy.replicationFactor - 1, inZones);
      const regionCount = Math.min(
        policy.otherRegionReplicas,
        policy.replicationFactor - 1 - zoneCount,
        inRegions,
      );
      const sameCount = Math.min(policy.replicationFactor - 1 - zoneCount - regionCount, inSameZone);
      const count = (role: string) => placed.filter((p) => p.role === role).length;
      expect([count('otherZone'), count('otherRegion'), count('sameZone')], why).toEqual([
        zoneCount,
        regionCount,
        sameCount,
      ]);
      for (const p of placed) {
        const where = classify(p.entry, {});
        if (p.role === 'fallback') expect(where, why).not.toBe('sameZone');
        else expect(where, why).toBe(p.role);
      }
      if (count('fallback') > 0) expect(sameCount, why).toBe(inSameZone);

      // Spread: the other-zone replicas sit in as many distinct zones as they can.
      const zones = new Set(entries.filter((e) => e.zone).map((e) => e.zone));
      const usedZones = new Set(placed.filter((p) => p.role === 'otherZone').map((p) => p.entry.zone));
      expect(usedZones.size, why).toBe(Math.min(zoneCount, zones.size));
      const regions = new Set(entries.filter((e) => e.region).map((e) => e.region));
      const usedRegions = new Set(placed.filter((p) => p.role === 'otherRegion').map((p) => p.entry.region));
      expect(usedRegions.size, why).toBe(Math.min(regionCount, regions.size));

      // Deterministic for a seed.
      expect(
        placeReplicas(view, policy, seededRandom(seed)).map((p) => p.entry.id),
        why,
      ).toEqual(ids);
    }
  });

  it('different seeds choose different peers (placement is random, not first-found)', () => {
    const entries: PeerEntry[] = Array.from({ length: 20 }, (_, i) => ({
      id: `p${i}`,
      peer: { id: `p${i}` },
    }));
    const view = placementView(entries, {}, undefined);
    const chosen = new Set<string>();
    for (let seed = 1; seed <= 50; seed++)
      for (const p of placeReplicas(
        view,
        { replicationFactor: 2, otherZoneReplicas: 0, otherRegionReplicas: 0 },
        seededRandom(seed),
      ))
        chosen.add(p.entry.id);
    expect(chosen.size).toBeGreaterThan(10);
  });

  it('classifies from the coordinator location and never chooses the coordinator itself', () => {
    const entries: PeerEntry[] = [
      { id: 'me', peer: { id: 'me' }, zone: 'a' },
      { id: 'same', peer: { id: 'same' }, zone: 'a' },
      { id: 'other', peer: { id: 'other' }, zone: 'b' },
      { id: 'home', peer: { id: 'home' }, region: 'eu' },
      { id: 'far', peer: { id: 'far' }, region: 'us' },
    ];
    const view = placementView(entries, { zone: 'a', region: 'eu' }, 'me');
    expect(view.sameZone.map((e) => e.id)).toEqual(['same', 'home']);
    expect(view.otherZones.map((g) => g.map((e) => e.id))).toEqual([['other']]);
    expect(view.otherRegions.map((g) => g.map((e) => e.id))).toEqual([['far']]);
    const all = placeReplicas(
      view,
      { replicationFactor: 5, otherZoneReplicas: 1, otherRegionReplicas: 1 },
      seededRandom(1),
    );
    expect(all.map((p) => p.entry.id).sort()).toEqual(['far', 'home', 'other', 'same']);
  });
});
