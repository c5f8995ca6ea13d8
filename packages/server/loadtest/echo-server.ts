/**
 * The load test's baseline: a raw `ws` echo server, with nothing of the relay (no rooms, no auth, no
 * validation, no re-encoding). It sends every text frame back to the connection it came from, as it
 * arrived. Run as a process of its own, like the relay, so that both are measured the same way.
 * Logs one JSON line, `{"event":"listening","url":...,"port":...}`, as the relay's CLI does.
 */
import { WebSocketServer } from 'ws';

const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
server.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
});
server.on('listening', () => {
  const { port } = server.address() as { port: number };
  console.log(JSON.stringify({ event: 'listening', url: `ws://127.0.0.1:${port}`, port }));
});
process.once('SIGTERM', () => {
  for (const ws of server.clients) ws.terminate();
  server.close(() => process.exit(0));
});
