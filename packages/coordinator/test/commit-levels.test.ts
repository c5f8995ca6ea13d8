/**
 * Commit levels on a seeded fake network (virtual clock, seeded latency and write failures; SEED=n
 * replays one): when each level acknowledges, "get it done" re-placement, work past the
 * acknowledgement, and the safety rule: no acknowledged put has fewer durable replicas than its level
 * promises, counted in the storages themselves.
 */
import { describe, expect, it } from 'vitest';
import { type CommitLevel, type PutReport, ReplicationFailedError, requiredReplicas } from '../src/index.js';
import { drain, FakeStorage, fakeCluster, replay, seedsOr, topology } from './helpers.js';

const LEVELS: CommitLevel[] = ['ONE', 'QUORUM', 'ALL'];
const storedTimes = (report: PutReport) =>
  report.replicas
    .filter((r) => r.status === 'stored')
    .map((r) => r.settledMs!)
    .sort((a, b) => a - b);

describe('when each level acknowledges', () => {
  it('ONE after the local write, even when peers are faster', async () => {
    const cluster = fakeCluster(1, topology(4, [], []), { replicationFactor: 3, commitLevel: 'ONE' });
    cluster.local.faults.latency = [50, 51];
    let settled: PutReport | undefined;
    cluster.coordinator.on('settled', (report) => {
      settled = report;
    });
    const acked = cluster.coordinator
      .put('k', { n: 1 })
      .then((ack) => ({ ack, holders: cluster.holders('k') }));
    await drain(cluster.clock);
    const { ack, holders } = await acked;
    const local = ack.report.replicas.find((r) => r.role === 'local')!;
    expect(ack.elapsedMs).toBe(local.settledMs);
    expect(holders).toContain('local');
    // The two peers were done first; the work past the acknowledgement finished and was reported.
    expect(
      storedTimes(ack.report)
        .slice(0, 2)
        .every((t) => t < local.settledMs!),
    ).toBe(true);
    expect(settled?.durable).toBe(3);
    expect(settled?.levels).toEqual({
      ONE: local.settledMs,
      QUORUM: expect.any(Number),
      ALL: local.settledMs,
    });
  });

  it.each([
    ['QUORUM', 2],
    ['ALL', 3],
  ] as const)('%s after %i of 3 replicas are stored', async (level, n) => {
    for (const seed of seedsOr([1, 2, 3, 4, 5])) {
      const cluster = fakeCluster(seed, topology(4, [], []), { replicationFactor: 3, commitLevel: level });
      const acked = cluster.coordinator.put('k', {}).then((ack) => ({ ack, holders: cluster.holders('k') }));
      await drain(cluster.clock);
      const { ack, holders } = await acked;
      expect(ack.elapsedMs, replay('commit-levels.test.ts', seed)).toBe(storedTimes(ack.report)[n - 1]);
      expect(holders.length).toBeGreaterThanOrEqual(n);
    }
  });

  it('QUORUM of 1 is 1, of 2 is 2, of 4 is 3', () => {
    expect([1, 2, 3, 4, 5].map((n) => requiredReplicas('QUORUM', n))).toEqual([1, 2, 2, 3, 3]);
  });
});

describe('get it done', () => {
  it('a failed peer is re-placed on a peer not chosen yet, in its zone first, and ALL is still reached', async () => {
    const cluster = fakeCluster(3, topology(1, [2, 2], []), {
      replicationFactor: 3,
      commitLevel: 'ALL',
      replicationStrategy: { otherZoneReplicas: 2 },
    });
    const [down] = cluster.coordinator.place();
    // place() drew from the coordinator's random source; a fresh cluster with the same seed draws the same.
    const again = fakeCluster(3, topology(1, [2, 2], []), {
      replicationFactor: 3,
      commitLevel: 'ALL',
      replicationStrategy: { otherZoneReplicas: 2 },
    });
    again.peers.get(down!.entry.id)!.down = true;
    const acked = again.coordinator.put('k', {});
    await drain(again.clock);
    const { report } = await acked;
    const failed = report.replicas.find((r) => r.id === down!.entry.id)!;
    expect(failed.status).toBe('failed');
    const replacement = report.replicas.find((r) => r.role === 'replacement')!;
    expect(replacement).toMatchObject({ replaces: failed.id, status: 'stored', zone: failed.zone });
    expect(report.durable).toBe(3);
    expect(new Set(report.replicas.map((r) => r.id)).size).toBe(report.replicas.length);
    expect(cluster.holders('k')).toEqual([]);
  });

  it('the local replica failing is re-placed too', async () => {
    const cluster = fakeCluster(4, topology(3, [], []), { replicationFactor: 2, commitLevel: 'ALL' });
    cluster.local.down = true;
    const acked = cluster.coordinator.put('k', {});
    await drain(cluster.clock);
    const { report } = await acked;
    expect(report.replicas.map((r) => [r.role, r.status])).toEqual([
      ['local', 'failed'],
      ['sameZone', 'stored'],
      ['replacement', 'stored'],
    ]);
    expect(cluster.holders('k')).toHaveLength(2);
  });

  it('when peers run out the put is rejected with ReplicationFailedError, and what was stored is reported', async () => {
    const cluster = fakeCluster(5, topology(2, [], []), { replicationFactor: 3, commitLevel: 'QUORUM' });
    cluster.peers.get('s-0')!.down = true;
    cluster.peers.get('s-1')!.down = true;
    const outcome = cluster.coordinator.put('k', {}).catch((e: unknown) => e);
    let settled: PutReport | undefined;
    cluster.coordinator.on('settled', (report) => {
      settled = report;
    });
    await drain(cluster.clock);
    const error = (await outcome) as ReplicationFailedError;
    expect(error).toBeInstanceOf(ReplicationFailedError);
    // Rejected as soon as the level was out of reach: both peers may fail before the local write is done.
    expect(error).toMatchObject({ required: 2, code: 'REPLICATION_FAILED' });
    expect(error.durable).toBeLessThanOrEqual(1);
    expect([...error.errors.keys()].sort()).toEqual(['s-0', 's-1']);
    expect(settled).toMatchObject({ settled: true, durable: 1, error });
  });

  it('a peer dropped before a failure is not chosen for re-placement; a peer added since is', async () => {
    const cluster = fakeCluster(6, [['a', {}]], { replicationFactor: 2, commitLevel: 'ALL' });
    cluster.peers.get('a')!.down = true;
    const acked = cluster.coordinator.put('k', {});
    for (const id of ['gone', 'late']) {
      cluster.peers.set(id, new FakeStorage(cluster.clock, cluster.local.random));
      await cluster.coordinator.addPeer({ id });
    }
    await cluster.coordinator.dropPeer({ id: 'gone' });
    await drain(cluster.clock);
    const { report } = await acked;
    expect(report.replicas.map((r) => [r.id, r.status])).toEqual([
      ['local', 'stored'],
      ['a', 'failed'],
      ['late', 'stored'],
    ]);
    expect(cluster.peers.get('gone')!.writes).toBe(0);
  });
});

describe('no acknowledged put has fewer durable replicas than its level promises', () => {
  const seeds = seedsOr(Array.from({ length: 25 }, (_, i) => 100 + i));
  it.each(LEVELS)('%s under seeded faults', async (level) => {
    for (const seed of seeds) {
      const cluster = fakeCluster(
        seed,
        topology(2, [2, 2], [2]),
        {
          replicationFactor: 3,
          commitLevel: level,
          replicationStrategy: { otherZoneReplicas: 1, otherRegionReplicas: 1 },
        },
        { latency: [1, 30], failure: 0.25 },
      );
      const why = replay('commit-levels.test.ts', seed);
      const checks: Promise<void>[] = [];
      const reports: PutReport[] = [];
      cluster.coordinator.on('settled', (report) => reports.push(report));
      for (let i = 0; i < 20; i++) {
        const key = `k${i}`;
        checks.push(
          cluster.coordinator.put(key, { i }).then(
            (ack) => {
              // Counted in the storages at the moment of the acknowledgement, not in the report.
              const holders = cluster.holders(key);
              expect(holders.length, why).toBeGreaterThanOrEqual(requiredReplicas(level, 3));
              for (const id of ack.durable) expect(holders, why).toContain(id);
              if (level === 'ONE' && ack.report.replicas[0]!.status === 'stored')
                expect(holders, why).toContain('local');
            },
            (error: unknown) => {
              expect(error, why).toBeInstanceOf(ReplicationFailedError);
              expect(cluster.holders(key).length, why).toBeLessThan(requiredReplicas(level, 3));
            },
          ),
        );
      }
      await drain(cluster.clock);
      await Promise.all(checks);
      expect(reports, why).toHaveLength(20);
      for (const report of reports) {
        const ids = report.replicas.map((r) => r.id);
        expect(new Set(ids).size, why).toBe(ids.length);
        expect(report.durable, why).toBe(cluster.holders(report.key).length);
        // Get it done: a put ends with the full factor unless every peer was tried.
        if (report.durable < 3) expect(ids.length, why).toBe(1 + cluster.peers.size);
      }
    }
  });
});
