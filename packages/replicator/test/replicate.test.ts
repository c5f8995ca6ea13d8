import { afterEach, describe, expect, it } from 'vitest';
import { auditStore, type ReplicatedDb, type Version } from '../src/index.js';
import { contents, memoryCluster, nextEvent, whenSynced } from './helpers.js';

let open: ReplicatedDb[] = [];
afterEach(async () => {
  await Promise.all(open.map((db) => db.close()));
  open = [];
});
const cluster = (...args: Parameters<typeof memoryCluster>) => {
  const c = memoryCluster(...args);
  open.push(...c.dbs);
  return c;
};

describe('replicate over a MemoryNetwork', () => {
  it('replicates puts, batches and deletes both ways, with value, log and index in agreement', async () => {
    const { dbs } = cluster(['a', 'b']);
    const [a, b] = dbs as [ReplicatedDb, ReplicatedDb];
    await a.put('x', { n: 1 });
    await b.batch([
      { type: 'put', key: 'y', value: 'why' },
      { type: 'put', key: 'z', value: 26 },
    ]);
    await whenSynced(dbs, async () => (await b.get('x')) !== undefined && (await a.get('z')) === 26);
    await a.del('y');
    await whenSynced(dbs, async () => (await b.get('y')) === undefined);
    expect(await contents(a)).toEqual([
      ['x', { n: 1 }],
      ['z', 26],
    ]);
    expect(await contents(b)).toEqual(await contents(a));
    expect(await b.version('y')).toMatchObject({ clock: 1, writer: 'a', deleted: true });
    expect(await auditStore(a.store)).toEqual([]);
    expect(await auditStore(b.store)).toEqual([]);
  });

  it('orders versions by clock: a later write anywhere replaces an earlier one everywhere', async () => {
    const { dbs } = cluster(['a', 'b', 'c']);
    const [a, b, c] = dbs as [ReplicatedDb, ReplicatedDb, ReplicatedDb];
    await a.put('k', 'first');
    await whenSynced(dbs, async () => (await c.get('k')) === 'first');
    await c.put('k', 'second');
    await whenSynced(dbs, async () => (await a.get('k')) === 'second' && (await b.get('k')) === 'second');
    expect(await a.version('k')).toMatchObject({ clock: 1, writer: 'c' });
  });

  /** a and b write `k` apart (both at clock 0), then heal; resolves once `winner`'s value is on both. */
  async function concurrentWrites(winner: 'a' | 'b', options: Parameters<typeof memoryCluster>[1] = {}) {
    const { network, dbs } = cluster(['a', 'b'], options);
    const [a, b] = dbs as [ReplicatedDb, ReplicatedDb];
    await Promise.all([a.ready, b.ready]);
    network.disconnect('a', 'b');
    await a.put('k', 'from a');
    await b.put('k', 'from b');
    network.heal();
    const loser = winner === 'a' ? b : a;
    await whenSynced(dbs, async () => (await loser.get('k')) === `from ${winner}`);
    await (winner === 'a' ? a.sync('b') : b.sync('a')); // the winner hears the loser's version too
    expect(await (winner === 'a' ? a : b).get('k')).toBe(`from ${winner}`);
  }

  it('resolves equal clocks with the default resolver (larger writer id) the same way on every replica', async () => {
    await concurrentWrites('b');
  });

  it('lets a resolver pick among equal clocks (true accepts the remote version)', async () => {
    const calls: [Version, Version][] = [];
    const resolver = (remote: Version, local: Version) => {
      calls.push([remote, local]);
      return remote.writer < local.writer; // the smaller id wins, on both sides
    };
    await concurrentWrites('a', { resolver });
    expect(
      calls.some(([r, l]) => r.writer === 'a' && l.writer === 'b' && r.clock === 0 && l.clock === 0),
    ).toBe(true);
  });

  it('emits connect (we pulled), connection (they pulled) and sync per exchange', async () => {
    const { dbs } = cluster(['a', 'b']);
    const [a, b] = dbs as [ReplicatedDb, ReplicatedDb];
    const connect = nextEvent(a, 'connect');
    const connection = nextEvent(b, 'connection');
    const sync = new Promise((resolve) => a.once('sync', resolve));
    expect(await connect).toBe('b');
    expect(await connection).toBe('a');
    expect(await sync).toMatchObject({ peer: 'b', pages: 1 });
  });

  it('pulls in pages until the peer log is exhausted', async () => {
    const { dbs } = cluster(['a', 'b'], { pageRecords: 3, maxIntervalMs: 10_000, minIntervalMs: 10_000 });
    const [a, b] = dbs as [ReplicatedDb, ReplicatedDb];
    await Promise.all([a.ready, b.ready]);
    await a.batch(Array.from({ length: 10 }, (_, i) => ({ type: 'put' as const, key: `k${i}`, value: i })));
    const report = new Promise((resolve) => b.on('sync', (r) => r.applied === 10 && resolve(r)));
    await b.sync('a');
    expect(await report).toMatchObject({ peer: 'a', applied: 10, pages: 4 });
    expect(await contents(b)).toEqual(await contents(a));
  });

  it('reports when the start replication gave up, then accepts writes', async () => {
    const { dbs } = cluster(['solo'], { peers: ['ghost'], startTimeoutMs: 30, requestTimeoutMs: 10_000 });
    const [solo] = dbs as [ReplicatedDb];
    const error = nextEvent(solo, 'error');
    expect(await nextEvent(solo, 'ready')).toEqual({ gaveUp: true });
    expect(await error).toMatchObject({ code: 'START_SYNC_TIMEOUT' });
    await solo.put('k', 1);
    expect(await solo.get('k')).toBe(1);
  });

  it('refuses bad writes with a typed error and writes nothing', async () => {
    const { dbs } = cluster(['a']);
    const [a] = dbs as [ReplicatedDb];
    await a.put('kept', 1);
    await expect(a.put('k', undefined)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(
      a.batch([{ type: 'put', key: 'ok', value: 1 }, { type: 'nope' } as never]),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(a.put(42 as never, 1)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(a.batch('x' as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(await contents(a)).toEqual([['kept', 1]]);
    expect(a.store.seq).toBe(1);
  });

  it('refuses bad options with a typed error', () => {
    expect(() => memoryCluster(['a'], { id: '' })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(() => memoryCluster(['a'], { resolver: 1 as never })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(() => memoryCluster(['a'], { peers: [''] })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });
});

describe('a failed pull', () => {
  it('is tried again soon (backing off), not at the next round', async () => {
    const { network, dbs } = cluster(['a', 'b'], {
      minIntervalMs: 5,
      maxIntervalMs: 60_000,
      requestTimeoutMs: 50,
    });
    const [a, b] = dbs as [ReplicatedDb, ReplicatedDb];
    await Promise.all([a.ready, b.ready]);
    network.disconnect('a', 'b');
    await a.put('x', 1); // its hint to b is lost
    const timedOut = nextEvent(b, 'error', (e: { code: string }) => e.code === 'PEER_TIMEOUT');
    await b.sync('a');
    await timedOut;
    network.heal();
    // The next round is 60 s away: only the retry brings x over.
    await whenSynced([b], async () => (await b.get('x')) === 1);
  });
});
