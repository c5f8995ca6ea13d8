/**
 * The load test's second baseline: a raw `ws` forwarder, with nothing of the relay but the one thing a
 * relay must do that an echo does not: write each frame to ANOTHER connection, the one its `to` names.
 * No rooms, no auth, no validation, no re-encoding: the frame goes on as it arrived. Against the echo it
 * shows what forwarding costs by itself (on loopback, the kernel's work for a write to a socket other
 * than the one just read: the echo's answer carries the ACK of what it read, a forward cannot).
 * Clients name themselves as they do to the relay (`?node=`).
 */
import type { WebSocket } from 'ws';
import { serveBaseline } from './baseline-server.js';

const TO = '"to":"';
const byNode = new Map<string, WebSocket>();
serveBaseline((ws, req) => {
  const node = new URL(req.url ?? '/', 'ws://x').searchParams.get('node') ?? '';
  byNode.set(node, ws);
  ws.on('close', () => byNode.delete(node));
  ws.on('message', (data: Buffer, isBinary) => {
    const text = data.toString();
    const at = text.indexOf(TO) + TO.length;
    byNode.get(text.slice(at, text.indexOf('"', at)))?.send(data, { binary: isBinary });
  });
});
