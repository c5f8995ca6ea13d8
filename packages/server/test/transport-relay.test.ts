import { type MessageSink, RaftInterface, type TransportError } from '@webraft/core';
import { waitFor } from '@webraft/core/testing';
import { WebSocketTransport } from '@webraft/transport-websocket';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createToken, type RelayServer, startRelayServer } from '../src/index.js';
import type { RelayServerOptions } from '../src/options.js';

// WebSocketTransport through real relays in this process: auth, shutdown, and a Raft cluster over it.
const SECRET = 'another-test-secret-0123456789';
const servers: RelayServer[] = [];
const transports: WebSocketTransport[] = [];
async function relay(options: Partial<RelayServerOptions> = {}): Promise<RelayServer> {
  const server = await startRelayServer({ port: 0, ...options });
  servers.push(server);
  return server;
}
function transport(url: string | string[], room: string, token?: string): WebSocketTransport {
  const t = new WebSocketTransport({ url, room, token, WebSocket });
  transports.push(t);
  return t;
}
function sink(address: string) {
  const errors: TransportError[] = [];
  const got: unknown[] = [];
  const s: MessageSink = {
    address,
    gotData: (_from, payload) => void got.push(payload),
    reportError: (e) => void errors.push(e),
  };
  return { sink: s, errors, got };
}
afterEach(async () => {
  for (const t of transports.splice(0)) t.close();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('WebSocketTransport through the relay', () => {
  it('a refused token gives one AUTH error and no retries; a valid one connects', async () => {
    const server = await relay({ secret: SECRET });
    const bad = sink('n1');
    const t = transport(
      server.url,
      'r',
      createToken(SECRET, { room: 'r', node: 'someone-else', ttlSeconds: 60 }),
    );
    t.open(bad.sink);
    await waitFor(() => t.state === 'closed', 5000, 'the refusal');
    expect(bad.errors.map((e) => e.code)).toEqual(['AUTH']);
    expect(server.metrics.rejects.get('forbidden')).toBe(1);
    const good = transport(server.url, 'r', createToken(SECRET, { room: 'r', node: 'n2', ttlSeconds: 60 }));
    good.open(sink('n2').sink);
    await waitFor(() => good.state === 'open', 5000, 'a welcome');
    expect(server.metrics.connectionsTotal).toBe(1); // the refused transport never came back
  });

  it('on a graceful shutdown, clients reconnect elsewhere at once', async () => {
    const a = await relay();
    const b = await relay();
    const watcher = transport(b.url, 'r');
    const seen: string[] = [];
    watcher.onPeer((p) => seen.push(p));
    watcher.open(sink('watcher').sink);
    const mover = transport([a.url, b.url], 'r');
    const moverSink = sink('mover');
    mover.open(moverSink.sink);
    await waitFor(() => mover.state === 'open' && a.metrics.connections === 1, 5000, 'mover on relay A');
    await a.close();
    await waitFor(() => seen.includes('mover'), 5000, 'mover to arrive on relay B');
    expect(mover.state).toBe('open');
    expect(moverSink.errors).toEqual([]); // a planned move is not an error
    watcher.createInstance('mover').write({ hello: 'again' });
    await waitFor(() => moverSink.got.length === 1, 5000, 'a message on the new relay');
  });

  it('a 3-node Raft cluster over the relay commits, survives a relay restart, and loses nothing', async () => {
    let server = await relay();
    const port = server.port;
    const ids = ['n1', 'n2', 'n3'];
    const applied = new Map(ids.map((id) => [id, [] as unknown[]]));
    const nodes = ids.map(
      (id) =>
        new RaftInterface(id, {
          peers: ids,
          transport: transport(server.url, 'cluster'),
          stateMachine: {
            apply: (command) => applied.get(id)!.push(command),
            snapshot: () => applied.get(id),
            restore: (s) => applied.set(id, [...(s as unknown[])]),
          },
        }),
    );
    try {
      await Promise.all(nodes.map((n) => n.start()));
      const acknowledged: number[] = [];
      for (let i = 0; i < 20; i++) {
        await nodes[i % 3]!.propose({ i }, { timeoutMs: 10_000 });
        acknowledged.push(i);
      }
      // The relay goes away (all connections cut) and comes back on the same port.
      await server.close();
      servers.splice(servers.indexOf(server), 1);
      server = await relay({ port });
      for (let i = 20; i < 40; i++) {
        await nodes[i % 3]!.propose({ i }, { timeoutMs: 15_000 });
        acknowledged.push(i);
      }
      const leader = nodes.find((n) => n.state === 'leader') ?? nodes[0]!;
      await leader.read({ timeoutMs: 10_000 });
      const log = applied.get(leader.address)!.map((c) => (c as { i: number }).i);
      for (const i of acknowledged) expect(log).toContain(i);
      expect(new Set(log).size).toBe(log.length);
    } finally {
      await Promise.all(nodes.map((n) => n.stop()));
    }
  });
});
