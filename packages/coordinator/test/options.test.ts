import { seededRandom } from '@webraft/core';
import { VirtualClock } from '@webraft/core/testing';
import { describe, expect, it } from 'vitest';
import {
  Coordinator,
  CoordinatorOptionsError,
  InvalidArgumentError,
  NoPeerClientError,
  NotEnoughPeersError,
  ReplicationFailedError,
} from '../src/index.js';
import { drain, FakeStorage, fakeCluster } from './helpers.js';

const storage = () => new FakeStorage(new VirtualClock(), seededRandom(1));

describe('options', () => {
  it('has the seed defaults: QUORUM, replicationFactor 1, no other-zone or other-region replicas', () => {
    const coordinator = new Coordinator(storage());
    expect(coordinator.commitLevel).toBe('QUORUM');
    expect(coordinator.replicationFactor).toBe(1);
    expect(coordinator.replicationStrategy).toEqual({
      otherZoneReplicas: 0,
      otherRegionReplicas: 0,
      sameZoneFill: true,
    });
    expect([Coordinator.ONE, Coordinator.QUORUM, Coordinator.ALL]).toEqual(['ONE', 'QUORUM', 'ALL']);
  });

  it.each([
    [{ commitLevel: 'MOST' }, 'commitLevel'],
    [{ replicationFactor: 0 }, 'replicationFactor'],
    [{ replicationFactor: 1.5 }, 'replicationFactor'],
    [{ replicationStrategy: { otherZoneReplicas: -1 } }, 'replicationStrategy.otherZoneReplicas'],
    [{ replicationStrategy: { otherRegionReplicas: '2' } }, 'replicationStrategy.otherRegionReplicas'],
    [{ location: { zone: '' } }, 'location.zone'],
    [{ random: 4 }, 'random'],
  ])('refuses %j with a CoordinatorOptionsError naming %s', (options, option) => {
    const make = () => new Coordinator(storage(), options as never);
    expect(make).toThrow(CoordinatorOptionsError);
    expect(make).toThrow(expect.objectContaining({ option, code: 'COORDINATOR_OPTIONS' }));
  });

  it('refuses a local storage without put', () => {
    expect(() => new Coordinator({} as never)).toThrow(CoordinatorOptionsError);
  });

  it('checks the seed rule replicationFactor <= 1 + otherZone + otherRegion when same-zone fill is off', () => {
    const strict = (replicationFactor: number) =>
      new Coordinator(storage(), {
        replicationFactor,
        replicationStrategy: { otherZoneReplicas: 1, otherRegionReplicas: 1, sameZoneFill: false },
      });
    expect(() => strict(3)).not.toThrow();
    expect(() => strict(4)).toThrow(expect.objectContaining({ option: 'replicationFactor' }));
    // With same-zone fill (the default) the seed's third example is allowed.
    expect(() => new Coordinator(storage(), { replicationFactor: 3 })).not.toThrow();
  });
});

describe('addPeer and dropPeer', () => {
  it('zone wins over region, as in the seed', async () => {
    const coordinator = new Coordinator(storage());
    await coordinator.addPeer({ id: 'a' }, { zone: 'z1', region: 'r1' });
    await coordinator.addPeer({ id: 'b' }, { region: 'r1' });
    expect(coordinator.peers.entries().map(({ id, zone, region }) => ({ id, zone, region }))).toEqual([
      { id: 'a', zone: 'z1', region: undefined },
      { id: 'b', zone: undefined, region: 'r1' },
    ]);
  });

  it('re-adding an id moves the peer; dropPeer removes it by id', async () => {
    const coordinator = new Coordinator(storage());
    await coordinator.addPeer({ id: 'a' }, { zone: 'z1' });
    await coordinator.addPeer({ id: 'b' });
    await coordinator.addPeer({ id: 'a' }, { region: 'r9' });
    expect(coordinator.peers.entries().map((e) => [e.id, e.region])).toEqual([
      ['a', 'r9'],
      ['b', undefined],
    ]);
    await coordinator.dropPeer({ id: 'a' }, { zone: 'z1' });
    expect(coordinator.peers.entries().map((e) => e.id)).toEqual(['b']);
  });

  it.each([
    [null, {}, 'peer'],
    [{}, {}, 'peer.id'],
    [{ id: '' }, {}, 'peer.id'],
    [{ id: 'a' }, { zone: 3 }, 'options.zone'],
    [{ id: 'a' }, 'z1', 'options'],
  ])(
    'refuses peer %j with options %j (InvalidArgumentError on %s), changing nothing',
    (peer, options, argument) => {
      const coordinator = new Coordinator(storage());
      expect(() => coordinator.addPeer(peer as never, options as never)).toThrow(
        expect.objectContaining({ argument, name: 'InvalidArgumentError' }),
      );
      expect(coordinator.peers.entries()).toEqual([]);
    },
  );
});

describe('put arguments and failures', () => {
  it('rejects a bad key, event or commit level with InvalidArgumentError, writing nothing', async () => {
    const { coordinator, local } = fakeCluster(1, [], {});
    await expect(coordinator.put('', {})).rejects.toThrow(InvalidArgumentError);
    await expect(coordinator.put('k', undefined)).rejects.toThrow(InvalidArgumentError);
    await expect(coordinator.put('k', {}, 'SOME' as never)).rejects.toThrow(
      expect.objectContaining({ argument: 'commitLevel' }),
    );
    expect(local.writes).toBe(0);
  });

  it('fails with NotEnoughPeersError before writing anything when the peers cannot hold replicationFactor', async () => {
    const { coordinator, local, peers } = fakeCluster(1, [['a', {}]], {
      replicationFactor: 3,
      commitLevel: 'ONE',
    });
    const error = await coordinator.put('k', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotEnoughPeersError);
    expect(error).toMatchObject({ needed: 3, available: 2, code: 'NOT_ENOUGH_PEERS' });
    expect(local.writes + peers.get('a')!.writes).toBe(0);
  });

  it('calls the seed callback with null on success and with the error on failure', async () => {
    const { coordinator, clock } = fakeCluster(1, [['a', {}]], { replicationFactor: 2 });
    const results: unknown[] = [];
    void coordinator.put('k1', {}, (error) => results.push(error));
    void coordinator.put('k2', {}, 'ONE', (_error, ack) => results.push(ack?.commitLevel));
    void coordinator.put('', {}, (error) => results.push(error?.name));
    await drain(clock);
    expect(results.sort()).toEqual(['InvalidArgumentError', 'ONE', null].sort());
  });

  it('without a _put listener, remote replicas fail with NoPeerClientError', async () => {
    const clock = new VirtualClock();
    const coordinator = new Coordinator(new FakeStorage(clock, seededRandom(1)), {
      replicationFactor: 2,
      clock,
    });
    await coordinator.addPeer({ id: 'a' });
    const outcome = coordinator.put('k', {}).catch((e: unknown) => e);
    await drain(clock);
    const error = (await outcome) as ReplicationFailedError;
    expect(error).toBeInstanceOf(ReplicationFailedError);
    expect(error.errors.get('a')).toBeInstanceOf(NoPeerClientError);
  });

  it('a peer client that calls back twice counts once', async () => {
    const clock = new VirtualClock();
    const coordinator = new Coordinator(new FakeStorage(clock, seededRandom(1)), {
      replicationFactor: 3,
      commitLevel: 'ALL',
      clock,
    });
    await coordinator.addPeer({ id: 'a' });
    await coordinator.addPeer({ id: 'b' });
    coordinator.on('_put', (_peer, _key, _event, callback) => {
      callback();
      callback(new Error('second call'));
    });
    const ack = coordinator.put('k', {});
    await drain(clock);
    expect((await ack).report.replicas.map((r) => r.status)).toEqual(['stored', 'stored', 'stored']);
  });

  it('a peer client that throws fails that replica only, and it is re-placed', async () => {
    const clock = new VirtualClock();
    const coordinator = new Coordinator(new FakeStorage(clock, seededRandom(1)), {
      replicationFactor: 2,
      commitLevel: 'ALL',
      random: seededRandom(3),
      clock,
    });
    await coordinator.addPeer({ id: 'a' });
    await coordinator.addPeer({ id: 'b' });
    const thrown = new Error('client bug');
    let threw = false;
    coordinator.on('_put', (_peer, _key, _event, callback) => {
      if (!threw) {
        threw = true;
        throw thrown;
      }
      callback();
    });
    const acked = coordinator.put('k', {});
    await drain(clock);
    const ack = await acked;
    const failed = ack.report.replicas.find((r) => r.status === 'failed');
    expect(failed?.error).toBe(thrown);
    expect(ack.report.replicas.filter((r) => r.status === 'stored')).toHaveLength(2);
  });
});

describe('events', () => {
  it('placed comes before any replica ends, even when storages call back synchronously', async () => {
    const seen: string[] = [];
    const storage = { put: (_k: string, _e: unknown, callback: () => void) => callback() };
    const coordinator = new Coordinator(storage, { replicationFactor: 2, commitLevel: 'ALL' });
    await coordinator.addPeer({ id: 'a' });
    coordinator.on('_put', (_p, _k, _e, callback) => callback());
    coordinator.on('placed', (report) => seen.push(`placed ${report.replicas.length}`));
    coordinator.on('replica', (_report, replica) => seen.push(`replica ${replica.id}`));
    coordinator.on('settled', (report) => seen.push(`settled ${report.durable}`));
    await coordinator.put('k', {});
    expect(seen).toEqual(['placed 2', 'replica local', 'replica a', 'settled 2']);
  });
});
