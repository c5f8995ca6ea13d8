/**
 * The seed's three worked placement examples (the tables in its README), each on a cluster with peers
 * in the same zone, in two other zones and in two other regions, so every step has peers to choose.
 */
import { describe, expect, it } from 'vitest';
import type { PutReport } from '../src/index.js';
import { drain, fakeCluster, topology } from './helpers.js';

function countsByStep(report: PutReport) {
  const where = { local: 0, otherZones: 0, otherRegions: 0, sameZone: 0 };
  for (const replica of report.replicas) {
    if (replica.role === 'local') where.local++;
    else if (replica.zone !== undefined) where.otherZones++;
    else if (replica.region !== undefined) where.otherRegions++;
    else where.sameZone++;
  }
  return where;
}

async function placementOf(otherZoneReplicas: number, otherRegionReplicas: number) {
  const cluster = fakeCluster(7, topology(3, [2, 2], [2, 2]), {
    replicationFactor: 3,
    replicationStrategy: { otherZoneReplicas, otherRegionReplicas },
    commitLevel: 'ALL',
  });
  const acked = cluster.coordinator.put('k', { n: 1 });
  await drain(cluster.clock);
  const ack = await acked;
  expect(ack.report.replicas).toHaveLength(3);
  return countsByStep(ack.report);
}

describe('the seed worked examples', () => {
  it('replicationFactor 3, otherZoneReplicas 2, otherRegionReplicas 1: local 1, other zones 2', async () => {
    expect(await placementOf(2, 1)).toEqual({ local: 1, otherZones: 2, otherRegions: 0, sameZone: 0 });
  });

  it('replicationFactor 3, otherZoneReplicas 1, otherRegionReplicas 1: local 1, other zones 1, other regions 1', async () => {
    expect(await placementOf(1, 1)).toEqual({ local: 1, otherZones: 1, otherRegions: 1, sameZone: 0 });
  });

  it('replicationFactor 3, otherZoneReplicas 0, otherRegionReplicas 0: local 1, same zone 2', async () => {
    expect(await placementOf(0, 0)).toEqual({ local: 1, otherZones: 0, otherRegions: 0, sameZone: 2 });
  });

  it('two other-zone replicas go to two different zones when there are two', async () => {
    for (let seed = 1; seed <= 20; seed++) {
      const cluster = fakeCluster(seed, topology(0, [3, 3], []), {
        replicationFactor: 3,
        replicationStrategy: { otherZoneReplicas: 2 },
      });
      const zones = cluster.coordinator.place().map(({ entry }) => entry.zone);
      expect(new Set(zones), `seed ${seed}`).toEqual(new Set(['z0', 'z1']));
    }
  });
});
