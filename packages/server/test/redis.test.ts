import { runTransportTests, waitFor } from '@webraft/core/testing';
import { CloseCode } from '@webraft/transport-websocket/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RelayServer, startRelayServer } from '../src/index.js';
import { type RedisProcess, startRedis, startRelayProcess } from '../src/testing/index.js';
import { nodePair } from './helpers/node-pair.js';
import { joined, type RawClient } from './helpers/raw-client.js';

// Two relays sharing a real redis-server (Debian's), started on a free loopback port for this file.
let redis: RedisProcess;
let relayA: RelayServer;
let relayB: RelayServer;
const clients: RawClient[] = [];
const track = (c: RawClient) => {
  clients.push(c);
  return c;
};
let rooms = 0;
const room = () => `room-${++rooms}`;

beforeAll(async () => {
  redis = await startRedis();
  relayA = await startRelayServer({ port: 0, redis: redis.url, relayId: 'A', presenceTtlMs: 1500 });
  relayB = await startRelayServer({ port: 0, redis: redis.url, relayId: 'B', presenceTtlMs: 1500 });
}, 30_000);
afterEach(() => {
  for (const c of clients.splice(0)) c.ws.terminate();
});
afterAll(async () => {
  await Promise.all([relayA?.close(), relayB?.close()]);
  await redis?.stop();
});

describe('two relays sharing Redis', () => {
  it('one room across relays: membership, relaying both ways with stamped senders, leaving', async () => {
    const r = room();
    const a = track(await joined(relayA.url, r, 'a'));
    const b = track(await joined(relayB.url, r, 'b'));
    expect(b.frames[0]).toMatchObject({ k: 'welcome', peers: ['a'] });
    await a.next({ k: 'joined', id: 'b' });
    const before = relayA.metrics.redisOut;
    a.send({ k: 'send', to: 'b', d: { over: 'redis' } });
    b.send({ k: 'send', to: 'a', d: 'back' });
    b.send({ k: 'signal', to: 'a', d: { type: 'renegotiate' } });
    expect(await b.next({ k: 'msg' })).toEqual({ k: 'msg', from: 'a', d: { over: 'redis' } });
    await a.next({ k: 'msg', from: 'b', d: 'back' });
    await a.next({ k: 'signal', from: 'b', d: { type: 'renegotiate' } });
    expect(relayA.metrics.redisOut).toBe(before + 1);
    a.send({ k: 'send', to: 'b', from: 'someone', d: 'spoofed' });
    a.send({ k: 'send', to: 'b', d: 'honest' });
    await b.next({ d: 'honest' });
    expect(b.count({ d: 'spoofed' })).toBe(0);
    b.ws.close();
    await a.next({ k: 'left', id: 'b' });
  });

  it('rooms stay apart across relays', async () => {
    const r1 = room();
    const r2 = room();
    const a = track(await joined(relayA.url, r1, 'a'));
    const b = track(await joined(relayB.url, r2, 'b'));
    const b1 = track(await joined(relayB.url, r1, 'b1'));
    await a.next({ k: 'joined', id: 'b1' });
    a.send({ k: 'send', to: 'b', d: 'wrong room' });
    a.send({ k: 'send', to: 'b1', d: 'right room' });
    await b1.next({ d: 'right room' });
    expect(b.count({ k: 'msg' }) + a.count({ k: 'joined', id: 'b' })).toBe(0);
  });

  it('a node that reconnects to the other relay takes over: the old connection closes with 4409', async () => {
    const r = room();
    const watcher = track(await joined(relayA.url, r, 'watcher'));
    const old = track(await joined(relayA.url, r, 'mover'));
    const moved = track(await joined(relayB.url, r, 'mover'));
    expect((await old.closed).code).toBe(CloseCode.REPLACED);
    watcher.send({ k: 'send', to: 'mover', d: 'where are you' });
    await moved.next({ d: 'where are you' });
    expect(watcher.count({ k: 'left', id: 'mover' })).toBe(0);
  });

  it("a crashed relay's clients expire and are reported as left", async () => {
    const r = room();
    const crashing = await startRelayProcess([
      '--port',
      '0',
      '--redis',
      redis.url,
      '--relay-id',
      'C',
      '--presence-ttl-ms',
      '1500',
    ]);
    const watcher = track(await joined(relayA.url, r, 'watcher'));
    const doomed = track(await joined(crashing.url, r, 'doomed'));
    expect(doomed.frames[0]).toMatchObject({ peers: ['watcher'] });
    await watcher.next({ k: 'joined', id: 'doomed' });
    await crashing.kill(); // SIGKILL: no goodbye reaches Redis
    await watcher.next({ k: 'left', id: 'doomed' }, 10_000);
    watcher.send({ k: 'send', to: 'doomed', d: 'anyone?' });
    await waitFor(() => (relayA.metrics.drops.get('unknown_peer') ?? 0) >= 1, 5000, 'the drop');
  });
});

// The conformance suite with its two ends on different relays.
runTransportTests(
  async () => nodePair([relayA.url, relayB.url], room()),
  { describe, it },
  { title: 'WebSocketTransport conformance across two relays sharing Redis' },
);
