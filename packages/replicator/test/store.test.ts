import { MemoryLevel } from 'memory-level';
import { describe, expect, it } from 'vitest';
import { auditStore, largerWriterWins, MAX_CLOCK, Replica, ReplicaStore, seqKey } from '../src/index.js';

async function replicaOn(id: string, db = new MemoryLevel()) {
  const store = new ReplicaStore(db);
  await store.open();
  return new Replica(id, store, largerWriterWins, 100);
}

/** One whole pull of `from` by `to`, step by step. */
async function pull(to: Replica, from: Replica) {
  for (let more = true; more; ) {
    const request = await to.request(from.id);
    more = (await to.apply(request, from.id, await from.serve(request))).more;
  }
}

describe('ReplicaStore', () => {
  it('keeps one log record per key, moved to a new sequence number by each write', async () => {
    const a = await replicaOn('a');
    await a.store.writeLocal([{ type: 'put', key: 'k', value: 1 }], 'a', 10);
    await a.store.writeLocal([{ type: 'put', key: 'j', value: 2 }], 'a', 11);
    await a.store.writeLocal([{ type: 'del', key: 'k' }], 'a', 12);
    const log = await a.store.log.iterator().all();
    expect(log).toEqual([
      [seqKey(2), { key: 'j', clock: 0, writer: 'a', timestamp: 11, op: 'put' }],
      [seqKey(3), { key: 'k', clock: 1, writer: 'a', timestamp: 12, op: 'del' }],
    ]);
    expect(await a.store.index.iterator().all()).toEqual([
      ['j', 2],
      ['k', 3],
    ]);
    expect(await auditStore(a.store)).toEqual([]);
  });

  it('gives a key written twice in one batch one record, with its last value', async () => {
    const a = await replicaOn('a');
    await a.store.writeLocal(
      [
        { type: 'put', key: 'k', value: 1 },
        { type: 'put', key: 'k', value: 2 },
      ],
      'a',
      0,
    );
    expect(await a.store.entry('k')).toMatchObject({ seq: 1, entry: { clock: 1 } });
    expect(await a.store.data.get('k')).toBe(2);
  });

  it('refuses a write past MAX_CLOCK and writes nothing', async () => {
    const a = await replicaOn('a');
    const b = await replicaOn('b');
    await b.store.applyPage(
      'x',
      { incarnation: 'i', seq: 1 },
      [{ seq: 1, key: 'k', clock: MAX_CLOCK, writer: 'x', timestamp: 0, op: 'put', value: 1 }],
      largerWriterWins,
    );
    await expect(
      b.store.writeLocal(
        [
          { type: 'put', key: 'other', value: 1 },
          { type: 'put', key: 'k', value: 2 },
        ],
        'b',
        0,
      ),
    ).rejects.toMatchObject({
      code: 'CLOCK_EXHAUSTED',
    });
    expect(await b.store.data.get('other')).toBeUndefined();
    expect(await a.store.log.iterator().all()).toEqual([]);
  });

  it('relays: what a replica applied is pulled from it by the next', async () => {
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((id) => replicaOn(id)));
    await a!.store.writeLocal([{ type: 'put', key: 'k', value: 'from a' }], 'a', 0);
    await pull(b!, a!);
    await pull(c!, b!);
    expect(await c!.store.data.get('k')).toBe('from a');
    expect(await c!.store.entry('k')).toMatchObject({ entry: { writer: 'a', clock: 0 } });
  });

  it('voids a mark when the peer comes back with a new incarnation (its store was wiped)', async () => {
    const a = await replicaOn('a');
    const b = await replicaOn('b');
    await a.store.writeLocal(
      [1, 2, 3].map((i) => ({ type: 'put' as const, key: `k${i}`, value: i })),
      'a',
      0,
    );
    await pull(b, a);
    expect((await b.store.mark('a'))?.seq).toBe(3);
    const wiped = await replicaOn('a');
    await wiped.store.writeLocal([{ type: 'put', key: 'new', value: 'x' }], 'a', 0);
    await pull(b, wiped);
    expect(await b.store.data.get('new')).toBe('x');
    expect(await b.store.mark('a')).toEqual({ incarnation: wiped.store.incarnation, seq: 1 });
  });

  it('compacts a tombstone only once every known peer pulled past it', async () => {
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((id) => replicaOn(id)));
    await a!.store.writeLocal([{ type: 'put', key: 'k', value: 1 }], 'a', 0);
    await a!.store.writeLocal([{ type: 'del', key: 'k' }], 'a', 0);
    await pull(b!, a!);
    await pull(b!, a!); // the second pull's request tells a that b holds everything up to 2
    expect(await a!.store.compact(['b', 'c'])).toBe(0); // c never pulled
    expect(await a!.store.entry('k')).toBeDefined();
    await pull(c!, a!);
    await pull(c!, a!);
    expect(await a!.store.compact(['b', 'c'])).toBe(1);
    expect(await a!.store.entry('k')).toBeUndefined();
    expect(await a!.store.log.iterator().all()).toEqual([]);
    expect(await auditStore(a!.store)).toEqual([]);
    expect(await c!.store.entry('k')).toMatchObject({ entry: { op: 'del' } });
  });

  it('remembers every peer it exchanged with', async () => {
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((id) => replicaOn(id)));
    await pull(a!, b!);
    await pull(c!, a!);
    await pull(c!, a!);
    expect((await a!.store.knownPeers()).sort()).toEqual(['b', 'c']);
  });
});
