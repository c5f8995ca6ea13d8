import { runTransportTests, type TestHarness } from '@webraft/core/testing';
import { makeBroadcastChannelPair } from '../../../packages/transport-broadcastchannel/test/pair.js';

/** One test of the suite and how it ended. */
interface Outcome {
  name: string;
  ok: boolean;
  error?: string;
}

/** `describe`/`it` that collect the suite's tests, to run them one after another in this page. */
function collect(): { harness: TestHarness; tests: { name: string; fn: () => Promise<void> }[] } {
  const tests: { name: string; fn: () => Promise<void> }[] = [];
  const prefix: string[] = [];
  const harness: TestHarness = {
    describe(name, fn) {
      prefix.push(name);
      fn();
      prefix.pop();
    },
    it(name, fn) {
      tests.push({ name: [...prefix, name].join(' > '), fn });
    },
  };
  return { harness, tests };
}

/** Runs the suite on real Chromium BroadcastChannels (within this page: two channel objects). */
async function runConformance(maxMessageChars?: number): Promise<Outcome[]> {
  const { harness, tests } = collect();
  runTransportTests(
    () => makeBroadcastChannelPair(maxMessageChars === undefined ? {} : { maxMessageChars }),
    harness,
    {
      title: `BroadcastChannel conformance (Chromium${maxMessageChars ? `, maxMessageChars ${maxMessageChars}` : ''})`,
    },
  );
  const outcomes: Outcome[] = [];
  for (const test of tests) {
    try {
      await test.fn();
      outcomes.push({ name: test.name, ok: true });
    } catch (error) {
      outcomes.push({ name: test.name, ok: false, error: String((error as Error)?.stack ?? error) });
    }
  }
  return outcomes;
}

(window as unknown as { runConformance: typeof runConformance }).runConformance = runConformance;
document.body.dataset.ready = 'true';
