/**
 * What the load test's baseline servers share: a bare `ws` server on a free loopback port that logs
 * `{"event":"listening","url":...,"port":...}` as the relay's CLI does, and stops on SIGTERM.
 */
import type { IncomingMessage } from 'node:http';
import { type WebSocket, WebSocketServer } from 'ws';

export function serveBaseline(onConnection: (ws: WebSocket, req: IncomingMessage) => void): void {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  server.on('connection', onConnection);
  server.on('listening', () => {
    const { port } = server.address() as { port: number };
    console.log(JSON.stringify({ event: 'listening', url: `ws://127.0.0.1:${port}`, port }));
  });
  process.once('SIGTERM', () => {
    for (const ws of server.clients) ws.terminate();
    server.close(() => process.exit(0));
  });
}
