import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { waitFor } from '@webraft/core/testing';
import { CloseCode } from '@webraft/transport-websocket/protocol';
import { describe, expect, it } from 'vitest';
import { createToken, verifyToken } from '../src/index.js';
import { relayFixture } from './helpers/fixtures.js';
import { joined, rawClient } from './helpers/raw-client.js';

const SECRET = 'test-secret-0123456789abcdef';
const { relay, track } = relayFixture();

describe('tokens', () => {
  it('verify only for their room and node, with the right secret, before expiry', () => {
    const now = Date.UTC(2030, 0, 1);
    const token = createToken(SECRET, { room: 'r', node: 'n', ttlSeconds: 3600 }, now);
    expect(verifyToken(SECRET, token, { room: 'r', node: 'n' }, now)).toMatchObject({ ok: true });
    expect(verifyToken(SECRET, token, { room: 'r', node: 'other' }, now)).toEqual({
      ok: false,
      reason: 'scope',
    });
    expect(verifyToken(SECRET, token, { room: 'other', node: 'n' }, now)).toEqual({
      ok: false,
      reason: 'scope',
    });
    expect(verifyToken(SECRET, token, { room: 'r', node: 'n' }, now + 3600_000)).toEqual({
      ok: false,
      reason: 'expired',
    });
    expect(verifyToken(`${SECRET}x`, token, { room: 'r', node: 'n' }, now)).toEqual({
      ok: false,
      reason: 'signature',
    });
    const [body, mac] = token.split('.') as [string, string];
    const forged = `${Buffer.from(JSON.stringify({ r: 'r', n: 'admin', exp: 2e9 })).toString('base64url')}.${mac}`;
    expect(verifyToken(SECRET, forged, { room: 'r', node: 'admin' }, now)).toEqual({
      ok: false,
      reason: 'signature',
    });
    expect(verifyToken(SECRET, body, { room: 'r', node: 'n' }, now)).toEqual({
      ok: false,
      reason: 'malformed',
    });
    expect(verifyToken(SECRET, undefined, { room: 'r', node: 'n' }, now)).toEqual({
      ok: false,
      reason: 'missing',
    });
  });

  it('the relay admits a valid token and refuses missing, expired, forged (4401) and misscoped (4403) ones', async () => {
    const server = await relay({ secret: SECRET });
    const good = track(
      await joined(server.url, 'r', 'n', createToken(SECRET, { room: 'r', node: 'n', ttlSeconds: 60 })),
    );
    expect(good.frames[0]).toMatchObject({ k: 'welcome', id: 'n' });
    const tries: [string | undefined, number][] = [
      [undefined, CloseCode.UNAUTHORIZED],
      [
        createToken(SECRET, { room: 'r', node: 'm', ttlSeconds: 60 }, Date.now() - 120_000),
        CloseCode.UNAUTHORIZED,
      ],
      [
        createToken('another-secret-0123456789', { room: 'r', node: 'm', ttlSeconds: 60 }),
        CloseCode.UNAUTHORIZED,
      ],
      [createToken(SECRET, { room: 'r', node: 'n', ttlSeconds: 60 }), CloseCode.FORBIDDEN],
    ];
    for (const [token, code] of tries) {
      const client = track(rawClient(server.url, { room: 'r', node: 'm', token }));
      expect((await client.closed).code).toBe(code);
      expect(client.count({ k: 'welcome' })).toBe(0);
    }
    expect(server.metrics.rejects.get('auth')).toBe(3);
    expect(server.metrics.rejects.get('forbidden')).toBe(1);
    expect(server.metrics.connections).toBe(1);
  });

  it('`webraft-server token` prints a token the relay accepts; --help lists every flag with its default', async () => {
    const run = promisify(execFile);
    const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
    const node = ['--import', 'tsx', '--conditions=source', cli];
    const { stdout } = await run(process.execPath, [
      ...node,
      'token',
      '--room',
      'r',
      '--node',
      'n',
      '--ttl',
      '1h',
      '--secret',
      SECRET,
    ]);
    const verdict = verifyToken(SECRET, stdout.trim(), { room: 'r', node: 'n' });
    expect(verdict).toMatchObject({ ok: true });
    if (verdict.ok) expect(verdict.claims.exp * 1000 - Date.now()).toBeGreaterThan(3500_000);
    const help = (await run(process.execPath, [...node, '--help'])).stdout;
    for (const flag of [
      '--port N',
      '--host S',
      '--secret S',
      '--origins A,B',
      '--redis S',
      '--max-frame N',
      '--rate-messages N',
      '--rate-bytes N',
      '--send-buffer N',
      '--slow-consumer-ms N',
      '--ping-interval-ms N',
      '--shutdown-grace-ms N',
      '--max-connections N',
      '--presence-ttl-ms N',
      '--relay-id S',
    ])
      expect(help).toMatch(
        new RegExp(`^  ${flag.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} .*\\(default: [^)]+\\)$`, 'm'),
      );
    expect(help).toContain('(default: 8787)');
    await expect(run(process.execPath, [...node, '--no-such-flag'])).rejects.toMatchObject({ code: 2 });
  });
});

describe('origin allowlist', () => {
  it('refuses browsers from other origins with 403, admits listed ones and clients without an Origin', async () => {
    const server = await relay({ origins: ['https://app.example'] });
    const evil = track(rawClient(server.url, { room: 'r', node: 'e' }, { origin: 'https://evil.example' }));
    await expect(evil.opened).rejects.toThrow('HTTP 403');
    const listed = track(rawClient(server.url, { room: 'r', node: 'a' }, { origin: 'https://app.example' }));
    await listed.next({ k: 'welcome' });
    track(await joined(server.url, 'r', 'node-process'));
    expect(server.metrics.rejects.get('origin')).toBe(1);
    expect(server.metrics.connections).toBe(2);
  });
});

describe('hostile input', () => {
  it('garbage frames are dropped and counted; the sender and everyone else keep working', async () => {
    const server = await relay();
    const a = track(await joined(server.url, 'r', 'a'));
    const b = track(await joined(server.url, 'r', 'b'));
    const garbage = [
      'not json',
      '[1,2,3]',
      '"a string"',
      'null',
      '{"k":"nope"}',
      '{"k":"send","d":1}',
      '{"k":"send","to":"b"}',
      '{"k":"send","to":"b","d":1,"room":"other"}',
      '{"k":"send","to":"../../etc","d":1}',
      '{"k":"send","to":"b","d":1,"from":7}',
      '{"k":"ping","extra":1}',
      '{"k":"send","to":"b","d":{"deep":'.padEnd(2000, '[') + ']}',
    ];
    for (const frame of garbage) a.send(frame);
    a.ws.send(Buffer.from([0xff, 0x00, 0x01]), { binary: true });
    a.send({ k: 'send', to: 'b', d: 'after-garbage' });
    await b.next({ d: 'after-garbage' });
    expect(b.frames.filter((f) => f.k === 'msg')).toEqual([{ k: 'msg', from: 'a', d: 'after-garbage' }]);
    const drops = server.metrics.drops;
    expect((drops.get('undecodable') ?? 0) + (drops.get('invalid') ?? 0)).toBe(garbage.length + 1);
    expect(drops.get('undecodable')).toBe(6); // 'not json', 3 non-objects, the truncated one, the binary frame
  });

  it('a frame past --max-frame closes that connection (1009) and is counted; others are unaffected', async () => {
    const server = await relay({ maxFrame: 64 * 1024 });
    const a = track(await joined(server.url, 'r', 'a'));
    const b = track(await joined(server.url, 'r', 'b'));
    const c = track(await joined(server.url, 'r', 'c'));
    a.send({ k: 'send', to: 'b', d: 'x'.repeat(65 * 1024) });
    expect((await a.closed).code).toBe(CloseCode.TOO_LARGE);
    c.send({ k: 'send', to: 'b', d: 'x'.repeat(60 * 1024) });
    await b.next({ k: 'msg', from: 'c' });
    expect(b.count({ from: 'a' })).toBe(0);
    await b.next({ k: 'left', id: 'a' });
    expect(server.metrics.drops.get('too_large')).toBe(1);
  });

  it('a flood past the message rate is dropped and counted; other connections keep their rate', async () => {
    const server = await relay({ rateMessages: 50 });
    const flooder = track(await joined(server.url, 'r', 'flooder'));
    const b = track(await joined(server.url, 'r', 'b'));
    const c = track(await joined(server.url, 'r', 'c'));
    for (let n = 0; n < 1000; n++) flooder.send({ k: 'send', to: 'b', d: n });
    c.send({ k: 'send', to: 'b', d: 'calm' });
    await b.next({ d: 'calm' });
    await waitFor(
      () => (server.metrics.drops.get('rate_messages') ?? 0) + b.count({ from: 'flooder' }) === 1000,
      5000,
      'all flood frames to be handled',
    );
    const delivered = b.count({ from: 'flooder' });
    // A burst of 2 seconds' worth (100), plus what refills while the flood is read.
    expect(delivered).toBeGreaterThanOrEqual(100);
    expect(delivered).toBeLessThan(300);
    expect(server.metrics.drops.get('rate_messages')).toBe(1000 - delivered);
  });

  it('a flood past the byte rate is dropped and counted', async () => {
    const server = await relay({ rateBytes: 20_000, maxFrame: 16 * 1024 });
    const flooder = track(await joined(server.url, 'r', 'flooder'));
    const b = track(await joined(server.url, 'r', 'b'));
    const chunk = 'y'.repeat(10_000);
    for (let n = 0; n < 50; n++) flooder.send({ k: 'send', to: 'b', d: chunk });
    flooder.send({ k: 'ping' });
    await waitFor(
      () => (server.metrics.drops.get('rate_bytes') ?? 0) + b.count({ from: 'flooder' }) === 50,
      5000,
      'the flood to be handled',
    );
    expect(b.count({ from: 'flooder' })).toBeLessThanOrEqual(5); // a burst of 40,000 bytes plus refill
    expect(server.metrics.drops.get('rate_bytes')).toBeGreaterThanOrEqual(45);
  });

  it('a client that never reads: its messages are dropped, then it is disconnected; the rest goes on', async () => {
    const server = await relay({
      sendBuffer: 64 * 1024,
      slowConsumerMs: 300,
      rateBytes: 1 << 30,
      rateMessages: 1 << 20,
    });
    const sender = track(await joined(server.url, 'r', 'sender'));
    const sleeper = track(await joined(server.url, 'r', 'sleeper'));
    const healthy = track(await joined(server.url, 'r', 'healthy'));
    // Stop reading: the kernel's buffers fill, then the server's buffer for this client.
    (sleeper.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const big = 'z'.repeat(60 * 1024);
    let n = 0;
    await waitFor(
      () => {
        for (let i = 0; i < 20; i++) sender.send({ k: 'send', to: 'sleeper', d: `${n++}${big}` });
        return (server.metrics.disconnects.get('slow_consumer') ?? 0) === 1;
      },
      20_000,
      'the sleeper to be disconnected',
      5,
    );
    expect(server.metrics.drops.get('slow_consumer')).toBeGreaterThan(0);
    sender.send({ k: 'send', to: 'healthy', d: 'still-here' });
    await healthy.next({ d: 'still-here' });
    await healthy.next({ k: 'left', id: 'sleeper' });
  });

  it('ping/pong reaps a connection that stopped answering and tells the room', async () => {
    // Long enough for a busy test process to answer pings in time, short enough for a quick test.
    const server = await relay({ pingIntervalMs: 500 });
    const watcher = track(await joined(server.url, 'r', 'watcher'));
    const mute = track(rawClient(server.url, { room: 'r', node: 'mute' }, { autoPong: false }));
    await mute.next({ k: 'welcome' });
    await watcher.next({ k: 'left', id: 'mute' }, 5000);
    expect(server.metrics.disconnects.get('dead')).toBe(1);
    // The watcher answers pings (ws does so by itself) and stays.
    expect(server.metrics.connections).toBe(1);
  });
});

describe('graceful shutdown', () => {
  it('tells every client to reconnect elsewhere (a shutdown frame, then 1012), refuses newcomers, stops', async () => {
    const server = await relay();
    const a = track(await joined(server.url, 'r', 'a'));
    const b = track(await joined(server.url, 'r2', 'b'));
    const closing = server.close();
    const [ca, cb] = await Promise.all([a.closed, b.closed]);
    expect([ca.code, cb.code]).toEqual([CloseCode.SHUTDOWN, CloseCode.SHUTDOWN]);
    expect(a.frames.at(-1)).toMatchObject({ k: 'shutdown' });
    await closing;
    const late = track(rawClient(server.url, { room: 'r', node: 'late' }));
    await expect(late.opened).rejects.toThrow();
    expect(server.metrics.disconnects.get('shutdown')).toBe(2);
  });
});
