import { createSocket } from 'node:dgram';
import type { TransportError } from '@webraft/core';
import { MemoryLevel } from 'memory-level';
import { afterEach, describe, expect, it } from 'vitest';
import { type ReplicatedDb, ReplicatorError, replicate } from '../src/index.js';
import { MAX_HELLO_BYTES, MulticastDiscovery, TcpTransport } from '../src/tcp.js';
import { contents, freePort, whenSynced } from './helpers.js';

// UDP multicast on loopback only: the group is joined on 127.0.0.1 and announcements carry TTL 0 on
// that interface, so nothing leaves this host. Each test has its own group, port and cluster name, so
// parallel runs on one machine do not hear each other.

async function loopbackGroup() {
  const byte = () => 1 + Math.floor(Math.random() * 250);
  return {
    group: `239.255.${byte()}.${byte()}`,
    port: await freePort('udp'),
    interface: '127.0.0.1',
    ttl: 0,
    cluster: `replicator-${process.pid}-${Math.random().toString(36).slice(2)}`,
    intervalMs: 100,
  };
}

/** Sends raw datagrams to the group, as a stranger on the network would. */
async function sendToGroup(target: { group: string; port: number }, datagrams: (string | Buffer)[]) {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, resolve));
  socket.setMulticastInterface('127.0.0.1');
  socket.setMulticastLoopback(true);
  for (const datagram of datagrams)
    await new Promise<void>((resolve, reject) =>
      socket.send(datagram, target.port, target.group, (error) => (error ? reject(error) : resolve())),
    );
  await new Promise<void>((resolve) => socket.close(() => resolve()));
}

const waitUntil = (check: () => boolean, on: (wake: () => void) => void) =>
  new Promise<void>((resolve) => {
    const wake = () => {
      if (check()) resolve();
    };
    on(wake);
    wake();
  });

describe('UDP multicast discovery for TCP replicas', () => {
  let dbs: ReplicatedDb[] = [];
  const opened: MulticastDiscovery[] = [];
  afterEach(async () => {
    await Promise.all(dbs.map((db) => db.close()));
    await Promise.all(opened.splice(0).map((d) => d.close()));
    dbs = [];
  });

  it('three replicas with empty peer lists find each other on loopback and converge', async () => {
    const multicast = await loopbackGroup();
    dbs = await Promise.all(
      [0, 1, 2].map(async () => {
        const port = await freePort('tcp');
        return replicate(new MemoryLevel(), {
          id: `127.0.0.1:${port}`,
          transport: new TcpTransport({
            host: '127.0.0.1',
            port,
            discovery: new MulticastDiscovery(multicast),
          }),
          startTimeoutMs: 100,
          minIntervalMs: 5,
          maxIntervalMs: 100,
        });
      }),
    );
    await Promise.all(dbs.map((db, i) => db.put(`from-${i}`, i)));
    const expected = [0, 1, 2].map((i) => [`from-${i}`, i]);
    await whenSynced(dbs, async () =>
      (await Promise.all(dbs.map(contents))).every((c) => JSON.stringify(c) === JSON.stringify(expected)),
    );
    for (const db of dbs) {
      expect(await contents(db)).toEqual(expected);
      expect([...db.peers].sort()).toEqual(
        dbs
          .map((d) => d.id)
          .filter((id) => id !== db.id)
          .sort(),
      );
    }
  });

  it('drops hostile and foreign datagrams with typed errors, reports no peer for them, and still finds a real one', async () => {
    const multicast = await loopbackGroup();
    const listener = new MulticastDiscovery(multicast);
    opened.push(listener);
    const errors: TransportError[] = [];
    const heard: string[] = [];
    let wake = () => {};
    listener.onPeer((peer) => {
      heard.push(peer);
      wake();
    });
    await listener.start('127.0.0.1:1', (error) => {
      errors.push(error);
      wake();
    });
    const hello = (fields: object) =>
      JSON.stringify({ t: 'replicator.hello', c: multicast.cluster, ...fields });
    await sendToGroup(multicast, [
      'not json',
      '[1,2]',
      hello({ a: 'no-port' }),
      hello({ a: '127.0.0.1:99999' }),
      hello({ a: `127.0.0.1:${'9'.repeat(300)}` }),
      hello({ a: 42 }),
      Buffer.alloc(MAX_HELLO_BYTES + 1, 'x'),
      // Another cluster sharing the group: not an error, not a peer.
      JSON.stringify({ t: 'replicator.hello', c: 'someone-else', a: '127.0.0.1:7' }),
    ]);
    await waitUntil(
      () => errors.length >= 7,
      (w) => {
        wake = w;
      },
    );
    expect(errors.map((e) => e.code).sort()).toEqual([...Array(6).fill('UNDECODABLE'), 'TOO_LARGE'].sort());
    expect(heard).toEqual([]);
    expect(listener.peers).toEqual([]);

    const other = new MulticastDiscovery(multicast);
    opened.push(other);
    await other.start('127.0.0.1:2');
    await waitUntil(
      () => heard.length === 1,
      (w) => {
        wake = w;
      },
    );
    expect(heard).toEqual(['127.0.0.1:2']);
    // Its own announcements never make it a peer of itself; the other heard it back at once.
    expect(listener.peers).toEqual(['127.0.0.1:2']);
    expect(errors).toHaveLength(7);
  });

  it('refuses bad options with a typed error', () => {
    const bad = [
      { port: 0 },
      { port: 70_000 },
      { port: 5000, group: '10.0.0.1' },
      { port: 5000, group: '239.1.2' },
      { port: 5000, cluster: '' },
      { port: 5000, intervalMs: 0 },
    ];
    for (const options of bad) {
      expect(() => new MulticastDiscovery(options), JSON.stringify(options)).toThrow(ReplicatorError);
    }
  });
});
