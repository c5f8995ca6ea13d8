/**
 * The load test's baseline: a raw `ws` echo server, with nothing of the relay (no rooms, no auth, no
 * validation, no re-encoding). It sends every text frame back to the connection it came from, as it
 * arrived. Run as a process of its own, like the relay, so that both are measured the same way.
 */
import { serveBaseline } from './baseline-server.js';

serveBaseline((ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
});
