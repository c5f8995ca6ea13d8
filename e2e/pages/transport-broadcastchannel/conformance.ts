import { runTransportTests } from '@webraft/core/testing';
import { makeBroadcastChannelPair } from '../../../packages/transport-broadcastchannel/test/pair.js';
import { runSuite } from '../run-suite.js';

/** Runs the suite on real Chromium BroadcastChannels (within this page: two channel objects). */
function runConformance(maxMessageChars?: number) {
  return runSuite((harness) =>
    runTransportTests(
      () => makeBroadcastChannelPair(maxMessageChars === undefined ? {} : { maxMessageChars }),
      harness,
      {
        title: `BroadcastChannel conformance (Chromium${maxMessageChars ? `, maxMessageChars ${maxMessageChars}` : ''})`,
      },
    ),
  );
}

(window as unknown as { runConformance: typeof runConformance }).runConformance = runConformance;
document.body.dataset.ready = 'true';
