import { runTransportTests } from '@webraft/core/testing';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type RelayProcess, startRelayProcess } from '../src/testing/index.js';
import { nodePair } from './helpers/node-pair.js';

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
  async () => nodePair([relay.url, relay.url], `conformance-${++rooms}-${process.pid}`),
  { describe, it },
  { title: 'WebSocketTransport conformance (Node, relay process)' },
);
