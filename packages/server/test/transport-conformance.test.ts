import { runTransportTests } from '@webraft/core/testing';
import { WebSocketTransport } from '@webraft/transport-websocket';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { WebSocket } from 'ws';
import { type RelayProcess, startRelayProcess } from '../src/testing/index.js';

// WebSocketTransport against a real relay process (the CLI, as deployed), in Node with ws's class.
let relay: RelayProcess;
beforeAll(async () => {
  relay = await startRelayProcess(['--port', '0']);
});
afterAll(async () => {
  await relay?.stop();
});

let rooms = 0;
runTransportTests(
  async () => {
    const room = `conformance-${++rooms}-${process.pid}`;
    const make = () => new WebSocketTransport({ url: relay.url, room, WebSocket });
    const transports = [make(), make()];
    return {
      a: transports[0]!,
      b: transports[1]!,
      aAddress: 'node-a',
      bAddress: 'node-b',
      reopenB: async () => {
        const b = make();
        transports.push(b);
        return b;
      },
      close: async () => {
        for (const t of transports) t.close();
      },
    };
  },
  { describe, it },
  { title: 'WebSocketTransport conformance (Node, relay process)' },
);
