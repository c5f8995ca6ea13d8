import { runTransportTests } from '@webraft/core/testing';
import { WebSocketTransport } from '@webraft/transport-websocket';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type RelayProcess, startRelayProcess } from '../src/testing/index.js';
import { tappedWire } from './helpers/tapped-wire.js';

// WebSocketTransport against a real relay process (the CLI, as deployed), in Node with ws's class.
let relay: RelayProcess;
beforeAll(async () => {
  relay = await startRelayProcess(['--port', '0']);
}, 30_000);
afterAll(async () => {
  await relay?.stop();
});

let rooms = 0;
runTransportTests(
  async () => {
    const room = `conformance-${++rooms}-${process.pid}`;
    const tap = tappedWire('node-a', 'node-b');
    const make = (WebSocket: typeof tap.WebSocketA) =>
      new WebSocketTransport({ url: relay.url, room, WebSocket });
    const transports = [make(tap.WebSocketA), make(tap.WebSocketB)];
    return {
      a: transports[0]!,
      b: transports[1]!,
      aAddress: 'node-a',
      bAddress: 'node-b',
      wire: tap.wire,
      reopenB: async () => {
        const b = make(tap.WebSocketB);
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
