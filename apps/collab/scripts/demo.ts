/**
 * `pnpm demo` (`pnpm --filter @webraft/collab demo`): starts the relay (`@webraft/server`) and serves
 * the board with Vite, then prints the URL. Tabs of one browser need no relay; boards shared with other
 * browsers and devices go through it (src/board-location.ts). Ctrl-C stops both.
 *
 *   --port N        the board's port (default 5173; 0: any free port)
 *   --relay-port N  the relay's port (default 8787; 0: any free port)
 *   --host S        the address both listen on (default 127.0.0.1)
 *
 * The relay runs without a secret: anyone who reaches it may join any room. That is fine on loopback;
 * read packages/server/README.md (Security model) before listening anywhere else.
 */
import { parseArgs } from 'node:util';
import { startRelayServer } from '@webraft/server';
import { createServer } from 'vite';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '5173' },
    'relay-port': { type: 'string', default: '8787' },
    host: { type: 'string', default: '127.0.0.1' },
  },
});

function port(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) {
    console.error(`--${flag} must be a port number (0 to 65535), not ${value}`);
    process.exit(2);
  }
  return n;
}

const host = values.host;
const relay = await startRelayServer({ port: port('relay-port', values['relay-port']), host });
// The page reads it as import.meta.env.VITE_COLLAB_RELAY_PORT (src/board-location.ts, defaultRelay).
process.env.VITE_COLLAB_RELAY_PORT = String(relay.port);
const vite = await createServer({
  configFile: new URL('../vite.config.ts', import.meta.url).pathname,
  server: { port: port('port', values.port), host, strictPort: true },
  logLevel: 'warn',
});
await vite.listen();
const url = vite.resolvedUrls?.local[0] ?? `http://${host}:${vite.config.server.port}/`;
console.log(`Collab board: ${url}  (relay ${relay.url})`);
console.log('Open it in several tabs; "New shared board" shares one with other browsers through the relay.');

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await Promise.allSettled([vite.close(), relay.close()]);
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
