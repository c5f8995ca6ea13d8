import { BroadcastChannelTransport } from '@webraft/transport-broadcastchannel';
import { MemoryLevel } from 'memory-level';
import { afterEach, describe, expect, it } from 'vitest';
import { type ReplicatedDb, replicate } from '../src/index.js';
import { contents, whenSynced } from './helpers.js';

// Node 20's global BroadcastChannel, as between browser tabs: replicas find each other by the transport's
// presence (`onPeer`), no peer list.
describe('replicate over the BroadcastChannel transport', () => {
  let dbs: ReplicatedDb[] = [];
  afterEach(async () => {
    await Promise.all(dbs.map((db) => db.close()));
    dbs = [];
  });

  it('discovers peers and converges three replicas', async () => {
    const cluster = `replicator-${Math.random().toString(36).slice(2)}`;
    dbs = ['t1', 't2', 't3'].map((id) =>
      replicate(new MemoryLevel(), {
        id,
        transport: new BroadcastChannelTransport({ cluster, presenceIntervalMs: 20 }),
        startTimeoutMs: 50,
        minIntervalMs: 5,
        maxIntervalMs: 50,
      }),
    );
    await Promise.all(dbs.map((db, i) => db.put(`from-${i}`, i)));
    await whenSynced(dbs, async () => {
      const all = await Promise.all(dbs.map(contents));
      return all.every((c) => c.length === 3);
    });
    const expected = [
      ['from-0', 0],
      ['from-1', 1],
      ['from-2', 2],
    ];
    for (const db of dbs) expect(await contents(db)).toEqual(expected);
    expect(dbs[0]?.peers.sort()).toEqual(['t2', 't3']);
  });
});
