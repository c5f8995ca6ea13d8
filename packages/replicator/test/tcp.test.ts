import { connect } from 'node:net';
import { runTransportTests } from '@webraft/core/testing';
import { MemoryLevel } from 'memory-level';
import { afterEach, describe, expect, it } from 'vitest';
import { type ReplicatedDb, replicate } from '../src/index.js';
import { TcpTransport } from '../src/tcp.js';
import { contents, freePort, whenSynced } from './helpers.js';

/** Writes raw text to the TCP transport listening on `port`, as if from the wire. */
async function injectText(port: number, text: string): Promise<boolean> {
  const socket = connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.write(text.endsWith('\n') ? text : `${text}\n`, () => resolve());
  });
  socket.end();
  return true;
}

runTransportTests(
  async () => {
    const [pa, pb] = [await freePort(), await freePort()];
    const a = new TcpTransport({ host: '127.0.0.1', port: pa, maxMessageChars: 256 * 1024 });
    let b = new TcpTransport({ host: '127.0.0.1', port: pb, maxMessageChars: 256 * 1024 });
    const made = [a, b];
    return {
      a,
      b,
      aAddress: a.address,
      bAddress: b.address,
      reopenB: async () => {
        b = new TcpTransport({ host: '127.0.0.1', port: pb, maxMessageChars: 256 * 1024 });
        made.push(b);
        return b;
      },
      close: async () => {
        await Promise.all(made.map((t) => t.close()));
      },
      wire: {
        encode: (to, payload) =>
          `{"f":${JSON.stringify(to === 'a' ? `127.0.0.1:${pb}` : `127.0.0.1:${pa}`)},"p":${JSON.stringify(payload)}}\n`,
        inject: (to, frame) => (typeof frame === 'string' ? injectText(to === 'a' ? pa : pb, frame) : false),
        garbage: ['{"f":"x"}', '{"p":1}', '[1,2]', '{"f":"","p":1}'],
      },
    };
  },
  { describe, it },
  { title: 'TcpTransport' },
);

describe("replicate over TCP with the seed's host:port peers", () => {
  let dbs: ReplicatedDb[] = [];
  afterEach(async () => {
    await Promise.all(dbs.map((db) => db.close()));
    dbs = [];
  });

  it('converges two replicas listening on loopback ports', async () => {
    const ids = [`127.0.0.1:${await freePort()}`, `127.0.0.1:${await freePort()}`];
    dbs = ids.map((id) => {
      const port = Number(id.split(':')[1]);
      return replicate(new MemoryLevel(), {
        id,
        transport: new TcpTransport({ host: '127.0.0.1', port }),
        peers: ids.filter((p) => p !== id),
        minIntervalMs: 5,
        maxIntervalMs: 50,
      });
    });
    await dbs[0]?.put('some-key', 'some-value');
    await dbs[1]?.put('other-key', 'other-value');
    await whenSynced(dbs, async () => (await Promise.all(dbs.map(contents))).every((c) => c.length === 2));
    expect(await contents(dbs[1] as ReplicatedDb)).toEqual(await contents(dbs[0] as ReplicatedDb));
  });
});
