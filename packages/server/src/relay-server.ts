import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { CloseCode, encodeFrame, isId } from '@webraft/transport-websocket/protocol';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import { ClientConnection } from './client-connection.js';
import { logEvent, silentLogger } from './log.js';
import { Metrics } from './metrics.js';
import { type RelayServerOptions, resolveOptions } from './options.js';
import { RedisRooms } from './redis-rooms.js';
import { Relay } from './relay.js';
import { verifyToken } from './token.js';

export interface RelayServer {
  /** The port it listens on (the one picked, for `port: 0`). */
  readonly port: number;
  /** `ws://host:port` for clients. */
  readonly url: string;
  readonly metrics: Metrics;
  /** This relay's name in Redis (undefined without `redis`). */
  readonly relayId: string | undefined;
  /**
   * Graceful shutdown: refuses new connections, tells every client to reconnect elsewhere (a `shutdown`
   * frame, then close code 1012), waits up to `shutdownGraceMs` for them to go, removes its members
   * from Redis, and stops. Safe to call twice.
   */
  close(): Promise<void>;
}

/** Starts a relay and signaling server; resolves once it listens (and, with `redis`, is connected). */
export async function startRelayServer(given: Partial<RelayServerOptions> = {}): Promise<RelayServer> {
  const options = resolveOptions(given);
  const log = options.log ?? silentLogger;
  const metrics = new Metrics();
  const relay = new Relay(metrics, options.maxFrame);
  const redis = options.redis
    ? new RedisRooms(options.redis, relay, metrics, options.presenceTtlMs, log, options.relayId)
    : null;
  if (redis) {
    await redis.start();
    relay.remote = redis;
  }
  const origins = new Set(options.origins);
  let shuttingDown = false;

  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxFrame, clientTracking: true });

  const http = createServer((req, res) => serveHttp(req, res));
  function serveHttp(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/healthz') {
      const healthy = !shuttingDown && (redis === null || redis.ready);
      res.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          status: healthy ? 'ok' : shuttingDown ? 'shutting_down' : 'redis_down',
          connections: metrics.connections,
          rooms: metrics.rooms,
          redis: redis ? (redis.ready ? 'ready' : 'down') : 'none',
        }),
      );
    } else if (req.method === 'GET' && path === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(metrics.render());
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found\n');
    }
  }

  /** Refuses an upgrade with a plain HTTP status (before any WebSocket exists). */
  function refuseUpgrade(socket: Duplex, status: number, text: string): void {
    socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  }

  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const origin = req.headers.origin;
    if (shuttingDown) return refuseUpgrade(socket, 503, 'Service Unavailable');
    if (origins.size > 0 && origin !== undefined && !origins.has(origin)) {
      metrics.reject('origin');
      logEvent(log, 'rejected', { reason: 'origin', origin, remote: req.socket.remoteAddress });
      return refuseUpgrade(socket, 403, 'Forbidden');
    }
    if (metrics.connections >= options.maxConnections) {
      metrics.reject('capacity');
      logEvent(log, 'rejected', { reason: 'capacity', remote: req.socket.remoteAddress });
      return refuseUpgrade(socket, 503, 'Service Unavailable');
    }
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws, req));
  });

  /**
   * An upgraded socket: checks the room, node id and token named in the URL. Refusals close the
   * WebSocket with a 44xx code (a browser cannot read an HTTP status, but it can read a close code),
   * so the client knows that retrying will not help.
   */
  function accept(ws: WebSocket, req: IncomingMessage): void {
    const query = new URL(req.url ?? '/', 'ws://relay').searchParams;
    const room = query.get('room');
    const node = query.get('node');
    const remote = req.socket.remoteAddress ?? '';
    const refuse = (code: number, reason: 'bad_request' | 'auth' | 'forbidden', detail: string) => {
      metrics.reject(reason);
      logEvent(log, 'rejected', { reason, detail, room, node, remote });
      ws.close(code, detail);
    };
    if (!isId(room) || !isId(node)) {
      refuse(CloseCode.BAD_REQUEST, 'bad_request', 'room and node must be ids ([A-Za-z0-9._:@-]{1,128})');
      return;
    }
    if (options.secret !== undefined) {
      const verdict = verifyToken(options.secret, query.get('token'), { room, node });
      if (!verdict.ok) {
        if (verdict.reason === 'scope')
          refuse(CloseCode.FORBIDDEN, 'forbidden', 'the token is for another room or node');
        else refuse(CloseCode.UNAUTHORIZED, 'auth', `token ${verdict.reason}`);
        return;
      }
    }
    const conn = new ClientConnection(ws, room, node, remote, options, metrics, (reason) =>
      logEvent(log, 'disconnected', { room, node, reason }),
    );
    metrics.connections++;
    metrics.connectionsTotal++;
    logEvent(log, 'connected', { room, node, remote });
    ws.on('pong', () => {
      conn.alive = true;
    });
    ws.on('message', (data: RawData, isBinary: boolean) => {
      const bytes = rawLength(data);
      if (isBinary) {
        conn.alive = true;
        metrics.drop('undecodable');
        return;
      }
      relay.receive(conn, rawText(data), bytes);
    });
    ws.on('error', (error: Error & { code?: string }) => {
      // ws closes the socket itself after a protocol error; a frame past maxPayload is the one we expect.
      if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        metrics.drop('too_large');
        metrics.disconnect('too_large');
      }
      logEvent(log, 'socket_error', { room, node, error: error.message, code: error.code });
    });
    ws.on('close', (code: number) => {
      conn.markClosed();
      metrics.connections--;
      relay.remove(conn);
      logEvent(log, 'closed', { room, node, code });
    });
    relay.add(conn).catch((error: Error) => {
      logEvent(log, 'join_failed', { room, node, error: error.message });
      ws.close(1011, 'could not join the room');
    });
  }

  // Ping/pong: a connection that did not answer the previous ping (nor sent anything since) is dead.
  const sweep = setInterval(() => {
    const now = performance.now();
    for (const conn of relay.connections()) {
      if (!conn.alive) {
        conn.disconnect('dead');
        continue;
      }
      conn.alive = false;
      conn.checkSlow(now);
      if (!conn.closed) conn.ws.ping();
    }
  }, options.pingIntervalMs);
  sweep.unref();

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, options.host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const port = (http.address() as AddressInfo).port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `ws://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${port}`;
  logEvent(log, 'listening', {
    url,
    port,
    auth: options.secret !== undefined,
    origins: options.origins,
    redis: redis ? redis.relayId : null,
    maxFrame: options.maxFrame,
  });

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      shuttingDown = true;
      clearInterval(sweep);
      logEvent(log, 'shutting_down', { connections: metrics.connections });
      const gone = [...wss.clients].map(
        (ws) =>
          new Promise<void>((resolve) =>
            ws.readyState === ws.CLOSED ? resolve() : ws.once('close', () => resolve()),
          ),
      );
      const shutdown = encodeFrame({ k: 'shutdown', reason: 'the relay is shutting down: reconnect' });
      for (const ws of wss.clients) {
        if (ws.readyState === ws.OPEN) ws.send(shutdown);
        ws.close(CloseCode.SHUTDOWN, 'shutdown');
        metrics.disconnect('shutdown');
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.all(gone),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, options.shutdownGraceMs);
        }),
      ]);
      clearTimeout(timer);
      for (const ws of wss.clients) ws.terminate();
      await Promise.all(gone);
      await redis?.close();
      await new Promise<void>((resolve) => {
        wss.close(() => resolve());
      });
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      logEvent(log, 'stopped');
    })();
    return closing;
  };

  return { port, url, metrics, relayId: redis?.relayId, close };
}

function rawLength(data: RawData): number {
  if (Buffer.isBuffer(data)) return data.length;
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0);
  return data.byteLength;
}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
