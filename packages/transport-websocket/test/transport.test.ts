import { createServer, type Server, type Socket } from 'node:net';
import type { MessageSink, TransportError } from '@webraft/core';
import { waitFor } from '@webraft/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { type ConnectionIO, WebSocketTransport } from '../src/index.js';
import { CloseCode } from '../src/protocol.js';

/**
 * WebSocketTransport against a hand-written `ws` server that plays a relay: it can send anything,
 * refuse, or vanish. What reaches the sink is checked frame by frame.
 */
interface FakeRelay {
  url: string;
  sockets: WebSocket[];
  /** Upgrade requests seen, by URL. */
  requests: string[];
  close(): Promise<void>;
}

const relays: FakeRelay[] = [];
const transports: WebSocketTransport[] = [];

async function fakeRelay(onConnect: (ws: WebSocket, url: string) => void): Promise<FakeRelay> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const relay: FakeRelay = {
    url: `ws://127.0.0.1:${(wss.address() as { port: number }).port}`,
    sockets: [],
    requests: [],
    close: () =>
      new Promise((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close(() => resolve());
      }),
  };
  wss.on('connection', (ws, req) => {
    relay.sockets.push(ws);
    relay.requests.push(req.url ?? '');
    onConnect(ws, req.url ?? '');
  });
  relays.push(relay);
  return relay;
}

const welcome = (peers: string[] = []) =>
  JSON.stringify({ k: 'welcome', room: 'r', id: 'me', peers, maxFrameBytes: 4 << 20 });

function recorder() {
  const got: { from: string; payload: unknown }[] = [];
  const errors: TransportError[] = [];
  const sink: MessageSink = {
    address: 'me',
    gotData: (from, payload) => void got.push({ from, payload }),
    reportError: (error) => void errors.push(error),
  };
  return { sink, got, errors };
}

function transport(options: Partial<ConstructorParameters<typeof WebSocketTransport>[0]> & { url: string }) {
  const t = new WebSocketTransport({ room: 'r', WebSocket, ...options });
  transports.push(t);
  return t;
}

afterEach(async () => {
  for (const t of transports.splice(0)) t.close();
  await Promise.all(relays.splice(0).map((r) => r.close()));
});

describe('WebSocketTransport', () => {
  it('names its room, node and token in the URL, and hands over stamped messages', async () => {
    const relay = await fakeRelay((ws) => {
      ws.send(welcome(['p']));
      ws.send(JSON.stringify({ k: 'msg', from: 'p', d: { type: 'x', n: 1 } }));
    });
    const { sink, got } = recorder();
    const t = transport({ url: relay.url, token: 'tok.en' });
    t.open(sink);
    await waitFor(() => got.length === 1, 5000, 'the message');
    expect(got[0]).toEqual({ from: 'p', payload: { type: 'x', n: 1 } });
    expect(relay.requests[0]).toBe('/?room=r&node=me&token=tok.en');
    expect(t.state).toBe('open');
  });

  it('undecodable and oversized frames are reported and never reach the node; good ones still do', async () => {
    const hostile = [
      'not json',
      '[]',
      '{"k":"msg","d":1}', // no sender
      '{"k":"msg","from":"bad id!","d":1}',
      '{"k":"msg","from":"p"}', // no payload
      '{"k":"unknown"}',
      '{"k":"welcome","room":"r","id":"me","peers":[1]}',
      '{"k":"signal","from":"p","d":{"type":"offer","sdp":5}}',
      JSON.stringify({ k: 'msg', from: 'p', d: 'x'.repeat(20_000) }), // past maxFrameBytes below
    ];
    const relay = await fakeRelay((ws) => {
      ws.send(welcome());
      for (const frame of hostile) ws.send(frame);
      ws.send(Buffer.from([1, 2, 3]), { binary: true });
      ws.send(JSON.stringify({ k: 'msg', from: 'p', d: 'good' }));
    });
    const { sink, got, errors } = recorder();
    transport({ url: relay.url, maxFrameBytes: 16 * 1024 }).open(sink);
    await waitFor(() => got.length === 1, 5000, 'the good message');
    expect(got).toEqual([{ from: 'p', payload: 'good' }]);
    expect(errors.map((e) => e.code)).toEqual([...Array(8).fill('UNDECODABLE'), 'TOO_LARGE', 'UNDECODABLE']);
    for (const e of errors) expect(e.name).toBe('TransportError');
  });

  it('refuses to send a message past the frame limit (TOO_LARGE) and throws TypeError for non-JSON', async () => {
    const frames: string[] = [];
    const relay = await fakeRelay((ws) => {
      ws.send(welcome());
      ws.on('message', (data) => frames.push(data.toString()));
    });
    const { sink, errors } = recorder();
    const t = transport({ url: relay.url, maxFrameBytes: 16 * 1024 });
    expect(t.maxMessageChars).toBe(Math.floor((16 * 1024 - 512) / 3));
    t.open(sink);
    await waitFor(() => t.state === 'open', 5000, 'open');
    const peer = t.createInstance('p');
    peer.write({ big: '€'.repeat(6000) }); // 6,000 characters, 18,000 bytes
    expect(() => peer.write(undefined)).toThrow(TypeError);
    expect(() => peer.write({ n: 1n })).toThrow(TypeError);
    peer.write({ small: true });
    await waitFor(() => frames.length === 1, 5000, 'the small frame');
    expect(JSON.parse(frames[0]!)).toEqual({ k: 'send', to: 'p', d: { small: true } });
    expect(errors.map((e) => [e.code, e.peer])).toEqual([['TOO_LARGE', 'p']]);
  });

  it('an auth refusal stops retrying with an AUTH error', async () => {
    const relay = await fakeRelay((ws) => ws.close(CloseCode.UNAUTHORIZED, 'token expired'));
    const { sink, errors } = recorder();
    const scheduled: number[] = [];
    const t = transport({
      url: relay.url,
      io: {
        setTimeout: (fire, ms) => {
          scheduled.push(ms);
          return setTimeout(fire, ms);
        },
        clearTimeout,
      },
    });
    t.open(sink);
    await waitFor(() => t.state === 'closed', 5000, 'the transport to give up');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.code).toBe('AUTH');
    expect(errors[0]?.message).toContain('token expired');
    expect(scheduled).toEqual([10_000]); // the connect timeout only: no retry was scheduled
    expect(relay.sockets).toHaveLength(1);
  });

  it('reconnects with backoff after failures, at once on a wake, and tries the next URL', async () => {
    let refuse = true;
    const relayA = await fakeRelay((ws) => ws.close(1011, 'down'));
    const relayB = await fakeRelay((ws) => (refuse ? ws.close(1011, 'down') : ws.send(welcome())));
    const timers: { ms: number; fire: () => void }[] = [];
    let wake: () => void = () => {};
    const io: Partial<ConnectionIO> = {
      // Backoff timers are kept, not run: only a wake can reconnect quickly here.
      setTimeout: (fire, ms) => {
        const timer = { ms, fire };
        if (ms < 5000 || ms > 10_000) timers.push(timer); // the connect timeout (10 s) is never fired
        return timer;
      },
      clearTimeout: () => {},
      random: () => 0,
      onWake: (w) => {
        wake = w;
        return () => {};
      },
    };
    const { sink, errors } = recorder();
    const t = transport({ url: [relayA.url, relayB.url], io });
    const states: string[] = [];
    t.onStateChange((s) => states.push(s));
    t.open(sink);
    await waitFor(() => t.state === 'backingOff', 5000, 'the first failure');
    expect(timers.map((x) => x.ms)).toEqual([250]);
    timers.shift()!.fire(); // the backoff elapses: next URL (B), refused again
    await waitFor(() => t.state === 'backingOff' && relayB.sockets.length === 1, 5000, 'the second failure');
    expect(timers.map((x) => x.ms)).toEqual([500]);
    refuse = false;
    wake(); // `online` or a tab becoming visible: no waiting for the 500 ms
    await waitFor(() => relayA.sockets.length === 2, 5000, 'an immediate retry on A');
    await waitFor(() => t.state === 'backingOff', 5000, 'A to refuse');
    wake();
    await waitFor(() => t.state === 'open', 5000, 'B to welcome');
    expect(relayB.sockets).toHaveLength(2);
    expect(errors.map((e) => e.code)).toEqual(['CONNECTION']); // one report per outage
    expect(states.slice(0, 3)).toEqual(['connecting', 'backingOff', 'connecting']);
  });

  it('queues while disconnected within bounds (OVERFLOW once per outage) and flushes in order on welcome', async () => {
    let accept = false;
    const received: unknown[] = [];
    const relay = await fakeRelay((ws) => {
      if (!accept) return; // never welcomes: stays connecting
      ws.on('message', (data) => received.push(JSON.parse(data.toString()).d));
      ws.send(welcome());
    });
    let wake: () => void = () => {};
    const { sink, errors } = recorder();
    const t = transport({
      url: relay.url,
      io: {
        onWake: (w) => {
          wake = w;
          return () => {};
        },
      },
    });
    t.open(sink);
    const peer = t.createInstance('p');
    for (let n = 0; n < 1100; n++) peer.write(n);
    expect(errors.map((e) => e.code)).toEqual(['OVERFLOW']);
    await waitFor(() => relay.sockets.length === 1, 5000, 'the first connection');
    accept = true;
    relay.sockets[0]?.close(1011);
    await waitFor(() => t.state !== 'connecting', 5000, 'backing off');
    wake(); // reconnects now (or the backoff already did)
    await waitFor(() => received.length === 1024, 5000, 'the queue to be flushed');
    expect(received).toEqual(Array.from({ length: 1024 }, (_, i) => i + 76)); // the newest 1,024
  });

  it('reports peers from the welcome, joined and left, and diffs the list after a reconnect', async () => {
    let connection = 0;
    const relay = await fakeRelay((ws) => {
      connection++;
      if (connection === 1) {
        ws.send(welcome(['a', 'b']));
        ws.send(JSON.stringify({ k: 'joined', id: 'c' }));
        ws.send(JSON.stringify({ k: 'left', id: 'a' }));
      } else ws.send(welcome(['c', 'd']));
    });
    const seen: string[] = [];
    const gone: string[] = [];
    const t = transport({ url: relay.url });
    t.onPeer((p) => seen.push(p));
    t.onPeerGone((p) => gone.push(p));
    t.open(recorder().sink);
    await waitFor(() => gone.length === 1, 5000, 'a to leave');
    expect([seen, gone]).toEqual([['a', 'b', 'c'], ['a']]);
    relay.sockets[0]?.close(CloseCode.SHUTDOWN);
    await waitFor(() => seen.length === 4, 5000, 'the second welcome');
    expect([seen, gone, t.peers.sort()]).toEqual([
      ['a', 'b', 'c', 'd'],
      ['a', 'b'],
      ['c', 'd'],
    ]);
  });

  it('presumes a silent relay dead and reconnects', async () => {
    let now = 0;
    let heartbeat: (() => void) | null = null;
    const relay = await fakeRelay((ws) => ws.send(welcome()));
    const t = transport({
      url: relay.url,
      io: {
        now: () => now,
        setTimeout: (fire, ms) => {
          if (ms === 5000) heartbeat = fire;
          else if (ms < 5000) setTimeout(fire, 0);
          return fire;
        },
        clearTimeout: () => {},
      },
    });
    t.open(recorder().sink);
    await waitFor(() => t.state === 'open' && heartbeat !== null, 5000, 'open');
    const beat = heartbeat as unknown as () => void;
    heartbeat = null;
    now = 6000;
    beat(); // heard from 6 s ago: still fine, a ping goes out
    expect(t.state).toBe('open');
    now = 20_000;
    (heartbeat as unknown as () => void)(); // silent for 20 s: dead
    expect(t.state).toBe('backingOff');
    await waitFor(() => relay.sockets.length === 2 && t.state === 'open', 5000, 'a new connection');
  });

  it('closed while still connecting, it leaves no error unheard (ws would throw it)', async () => {
    // A server that takes the TCP connection and never answers the upgrade: the socket stays CONNECTING.
    const held: Socket[] = [];
    const silent: Server = createServer((socket) => void held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const unheard: unknown[] = [];
    const sockets: WebSocket[] = [];
    class WatchedWebSocket extends WebSocket {
      constructor(url: string) {
        super(url);
        sockets.push(this);
      }
      override emit(event: string | symbol, ...args: unknown[]): boolean {
        // Recorded instead of thrown, so that the test reports it rather than the process crashing.
        if (event === 'error' && this.listenerCount('error') === 0) {
          unheard.push(args[0]);
          return false;
        }
        return super.emit(event, ...args);
      }
    }
    try {
      const t = transport({
        url: `ws://127.0.0.1:${(silent.address() as { port: number }).port}`,
        WebSocket: WatchedWebSocket as unknown as typeof WebSocket,
      });
      t.open(recorder().sink);
      await waitFor(() => held.length === 1 && sockets.length === 1, 5000, 'the connection held');
      expect(sockets[0]?.readyState).toBe(WebSocket.CONNECTING);
      const socket = sockets[0] as WebSocket;
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      t.close();
      await closed; // ws reports the aborted handshake (an error, then close) after close() returned
      expect(unheard).toEqual([]);
      expect(t.state).toBe('closed');
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
