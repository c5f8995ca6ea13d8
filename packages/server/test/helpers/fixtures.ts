import { afterEach } from 'vitest';
import { type RelayServer, startRelayServer } from '../../src/index.js';
import type { RelayServerOptions } from '../../src/options.js';
import type { RawClient } from './raw-client.js';

/** Relays in this process and raw clients, all closed after each test of the calling file. */
export function relayFixture() {
  const servers: RelayServer[] = [];
  const clients: RawClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.ws.terminate();
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  return {
    relay: async (options: Partial<RelayServerOptions> = {}): Promise<RelayServer> => {
      const server = await startRelayServer({ port: 0, ...options });
      servers.push(server);
      return server;
    },
    track: (client: RawClient): RawClient => {
      clients.push(client);
      return client;
    },
  };
}
