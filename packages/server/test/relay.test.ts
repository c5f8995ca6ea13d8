import { waitFor } from '@webraft/core/testing';
import { CloseCode } from '@webraft/transport-websocket/protocol';
import { describe, expect, it } from 'vitest';
import type { RelayServer } from '../src/index.js';
import { relayFixture } from './helpers/fixtures.js';
import { joined, rawClient } from './helpers/raw-client.js';

// The relay's routing and membership, through raw clients against a relay in this process.
const { relay, track } = relayFixture();
const member = async (server: RelayServer, room: string, node: string) =>
  track(await joined(server.url, room, node));

describe('relay', () => {
  it('tells a newcomer who is in the room, and the room who joined and who left', async () => {
    const server = await relay();
    const a = await member(server, 'r', 'a');
    expect(a.frames[0]).toEqual({
      k: 'welcome',
      room: 'r',
      id: 'a',
      peers: [],
      maxFrameBytes: 4 * 1024 * 1024,
    });
    const b = await member(server, 'r', 'b');
    expect(b.frames[0]).toMatchObject({ k: 'welcome', peers: ['a'] });
    await a.next({ k: 'joined', id: 'b' });
    const other = await member(server, 'elsewhere', 'c');
    expect(other.frames[0]).toMatchObject({ peers: [] });
    b.ws.close();
    await a.next({ k: 'left', id: 'b' });
    expect(a.count({ k: 'joined', id: 'c' })).toBe(0);
  });

  it('relays by node id and stamps the sender from the connection', async () => {
    const server = await relay();
    const a = await member(server, 'r', 'a');
    const b = await member(server, 'r', 'b');
    a.send({ k: 'send', to: 'b', d: { hello: [1, 'two'] } });
    a.send({ k: 'send', to: 'b', from: 'a', d: 2 }); // naming itself is allowed
    expect(await b.next({ k: 'msg', d: { hello: [1, 'two'] } })).toEqual({
      k: 'msg',
      from: 'a',
      d: { hello: [1, 'two'] },
    });
    await b.next({ k: 'msg', from: 'a', d: 2 });
    expect(server.metrics.messagesRelayed).toBe(2);
  });

  it('drops and counts a spoofed sender; the connection keeps working', async () => {
    const server = await relay();
    const a = await member(server, 'r', 'a');
    const b = await member(server, 'r', 'b');
    await member(server, 'r', 'victim');
    a.send({ k: 'send', to: 'b', from: 'victim', d: 'spoofed' });
    a.send({ k: 'send', to: 'b', d: 'honest' });
    await b.next({ k: 'msg', d: 'honest' });
    expect(b.count({ d: 'spoofed' })).toBe(0);
    expect(server.metrics.drops.get('spoofed')).toBe(1);
  });

  it('never delivers to another room; a message for an unknown node is counted', async () => {
    const server = await relay();
    const a = await member(server, 'room-1', 'a');
    const b = await member(server, 'room-2', 'b');
    const b1 = await member(server, 'room-1', 'b1');
    a.send({ k: 'send', to: 'b', d: 'cross-room' });
    a.send({ k: 'send', to: 'b1', d: 'same-room' });
    await b1.next({ d: 'same-room' });
    expect(b.count({ k: 'msg' })).toBe(0);
    expect(server.metrics.drops.get('unknown_peer')).toBe(1);
  });

  it('forwards WebRTC signals between members and refuses malformed ones', async () => {
    const server = await relay();
    const a = await member(server, 'r', 'a');
    const b = await member(server, 'r', 'b');
    const offer = { type: 'offer', sdp: 'v=0\r\n' };
    const candidate = {
      type: 'candidate',
      candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 },
    };
    a.send({ k: 'signal', to: 'b', d: offer });
    a.send({ k: 'signal', to: 'b', d: { type: 'offer', sdp: 42 } });
    a.send({ k: 'signal', to: 'b', d: { type: 'exploit' } });
    a.send({ k: 'signal', to: 'b', d: candidate });
    b.send({ k: 'signal', to: 'a', d: { type: 'answer', sdp: 'v=0\r\n' } });
    await b.next({ k: 'signal', d: candidate });
    await a.next({ k: 'signal', from: 'b', d: { type: 'answer', sdp: 'v=0\r\n' } });
    expect(b.frames.filter((f) => f.k === 'signal')).toEqual([
      { k: 'signal', from: 'a', d: offer },
      { k: 'signal', from: 'a', d: candidate },
    ]);
    expect(server.metrics.drops.get('invalid')).toBe(2);
    expect(server.metrics.signalsRelayed).toBe(3);
  });

  it('a newer connection of the same node takes over; the old one is closed with 4409', async () => {
    const server = await relay();
    const a = await member(server, 'r', 'a');
    const old = await member(server, 'r', 'b');
    const fresh = await member(server, 'r', 'b');
    expect((await old.closed).code).toBe(CloseCode.REPLACED);
    a.send({ k: 'send', to: 'b', d: 'to-the-new-one' });
    await fresh.next({ d: 'to-the-new-one' });
    expect(a.count({ k: 'left', id: 'b' })).toBe(0); // b never left
    expect(server.metrics.connections).toBe(2);
  });

  it('answers ping frames, serves /healthz and /metrics in the Prometheus text format', async () => {
    const server = await relay();
    const a = await member(server, 'r', 'a');
    a.send({ k: 'ping' });
    await a.next({ k: 'pong' });
    a.send('not json');
    const http = server.url.replace('ws://', 'http://');
    const health = await fetch(`${http}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', connections: 1, rooms: 1, redis: 'none' });
    await waitFor(() => server.metrics.drops.get('undecodable') === 1, 5000, 'the drop to be counted');
    const metrics = await (await fetch(`${http}/metrics`)).text();
    expect(metrics).toContain('# TYPE webraft_connections gauge\nwebraft_connections 1\n');
    expect(metrics).toContain('webraft_rooms 1\n');
    expect(metrics).toContain('webraft_drops_total{reason="undecodable"} 1\n');
    expect(metrics).toMatch(/^webraft_messages_relayed_total 0$/m);
    expect(metrics).toMatch(/^webraft_bytes_relayed_total \d+$/m);
    for (const line of metrics.trimEnd().split('\n'))
      expect(line).toMatch(/^(# (HELP|TYPE) \w+ .+|\w+(\{\w+="\w+"\})? \d+)$/);
    expect((await fetch(`${http}/nothing`)).status).toBe(404);
  });

  it('logs one JSON object per event', async () => {
    const entries: Record<string, unknown>[] = [];
    const server = await relay({ log: (entry) => entries.push(entry) });
    const a = await member(server, 'r', 'a');
    a.ws.close();
    await waitFor(() => entries.some((e) => e.event === 'closed'), 5000, 'the close to be logged');
    expect(entries.map((e) => e.event)).toEqual(['listening', 'connected', 'closed']);
    for (const e of entries) expect(typeof e.time).toBe('string');
  });

  it('refuses a connection without a room or node id (4400)', async () => {
    const server = await relay();
    const bad = rawClient(server.url, { room: 'r' });
    expect((await bad.closed).code).toBe(CloseCode.BAD_REQUEST);
    const worse = rawClient(server.url, { room: 'r', node: 'a b/../c' });
    expect((await worse.closed).code).toBe(CloseCode.BAD_REQUEST);
    expect(server.metrics.rejects.get('bad_request')).toBe(2);
  });
});
