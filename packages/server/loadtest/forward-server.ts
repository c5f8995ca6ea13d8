/**
 * The load test's second baseline: a raw `ws` forwarder, with nothing of the relay but the one thing a
 * relay must do that an echo does not: write each frame to ANOTHER connection, the one its `to` names.
 * No rooms, no auth, no validation, no re-encoding: the frame goes on as it arrived. Against the echo it
 * shows what forwarding costs by itself (on loopback, the kernel's work for a write to a socket other
 * than the one just read: the echo's answer carries the ACK of what it read, a forward cannot).
 * Clients name themselves as they do to the relay (`?node=`). Logs `{"event":"listening",...}` as the
 * relay's CLI does.
 */
import { type WebSocket, WebSocketServer } from 'ws';

const TO = '"to":"';
const byNode = new Map<string, WebSocket>();
const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
server.on('connection', (ws, req) => {
  const node = new URL(req.url ?? '/', 'ws://x').searchParams.get('node') ?? '';
  byNode.set(node, ws);
  ws.on('close', () => byNode.delete(node));
  ws.on('message', (data: Buffer, isBinary) => {
    const text = data.toString();
    const at = text.indexOf(TO) + TO.length;
    byNode.get(text.slice(at, text.indexOf('"', at)))?.send(data, { binary: isBinary });
  });
});
server.on('listening', () => {
  const { port } = server.address() as { port: number };
  console.log(JSON.stringify({ event: 'listening', url: `ws://127.0.0.1:${port}`, port }));
});
process.once('SIGTERM', () => {
  for (const ws of server.clients) ws.terminate();
  server.close(() => process.exit(0));
});
