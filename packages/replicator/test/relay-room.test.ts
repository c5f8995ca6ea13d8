import { type RelayServer, startRelayServer } from '@webraft/server';
import { WebSocketTransport } from '@webraft/transport-websocket';
import { MemoryLevel } from 'memory-level';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type ReplicatedDb, replicate } from '../src/index.js';
import { contents, whenSynced } from './helpers.js';

// Devices find each other by the relay's room: no peer list, only the room's membership (the
// WebSocket transport's `onPeer`), through a real @webraft/server relay on loopback.
let relay: RelayServer;
beforeAll(async () => {
  relay = await startRelayServer({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await relay?.close();
});

describe('replicate between devices discovered by relay room', () => {
  let dbs: ReplicatedDb[] = [];
  afterEach(async () => {
    await Promise.all(dbs.map((db) => db.close()));
    dbs = [];
  });

  const device = (id: string, room: string) =>
    replicate(new MemoryLevel(), {
      id,
      transport: new WebSocketTransport({ url: relay.url, room, WebSocket }),
      startTimeoutMs: 200,
      minIntervalMs: 5,
      maxIntervalMs: 100,
    });

  it('three devices in a room converge, and a device joining later gets everything', async () => {
    const room = `replicator-${process.pid}-${Date.now().toString(36)}`;
    dbs = ['d1', 'd2', 'd3'].map((id) => device(id, room));
    await Promise.all(dbs.map((db, i) => db.put(`from-${i}`, i)));
    await Promise.all(dbs.map((db, i) => db.put('shared', `d${i + 1}`)));
    const expected = [
      ['from-0', 0],
      ['from-1', 1],
      ['from-2', 2],
      ['shared', 'd3'], // equal clocks: the larger writer id wins
    ];
    const converged = async (some: readonly ReplicatedDb[]) =>
      (await Promise.all(some.map(contents))).every((c) => JSON.stringify(c) === JSON.stringify(expected));
    await whenSynced(dbs, () => converged(dbs));
    for (const db of dbs) expect(await contents(db)).toEqual(expected);
    expect([...(dbs[0]?.peers ?? [])].sort()).toEqual(['d2', 'd3']);

    const late = device('d4', room);
    dbs.push(late);
    await whenSynced([late], () => converged([late]));
    expect(await contents(late)).toEqual(expected);
    // The others learned of d4 from the room (`joined`), not from a list.
    await whenSynced(dbs, () => dbs.slice(0, 3).every((db) => db.peers.includes('d4')));
  });
});
