import { runTransportTests } from '@webraft/core/testing';
import { describe, it } from 'vitest';
import { makeBroadcastChannelPair } from './pair.js';

// Node 20's BroadcastChannel: the same suite runs in Chromium (e2e/transport-broadcastchannel.spec.ts).
runTransportTests(
  () => makeBroadcastChannelPair(),
  { describe, it },
  { title: 'BroadcastChannel conformance (Node)' },
);

// A small declared maximum: the suite's at-maximum and over-maximum cases, on both ends, cheaply.
runTransportTests(
  () => makeBroadcastChannelPair({ maxMessageChars: 4096 }),
  { describe, it },
  { title: 'BroadcastChannel conformance (Node, maxMessageChars 4096)' },
);
