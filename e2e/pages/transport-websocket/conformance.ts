import { runTransportTests } from '@webraft/core/testing';
import { WebSocketTransport } from '@webraft/transport-websocket';

/**
 * Runs `runTransportTests` for WebSocketTransport in this page, with the browser's own WebSocket,
 * against the relay at `url`. A minimal harness: tests run one after the other; each result is returned.
 */
async function runConformance(url: string): Promise<{ name: string; error?: string }[]> {
  const tests: { name: string; fn: () => Promise<void> }[] = [];
  let prefix = '';
  runTransportTests(
    async () => {
      const room = `chromium-${Math.random().toString(36).slice(2)}`;
      const make = () => new WebSocketTransport({ url, room });
      const transports = [make(), make()];
      return {
        a: transports[0]!,
        b: transports[1]!,
        aAddress: 'page-a',
        bAddress: 'page-b',
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
    {
      describe: (name, fn) => {
        prefix = `${name} > `;
        fn();
      },
      it: (name, fn) => void tests.push({ name: prefix + name, fn }),
    },
    { title: 'WebSocketTransport conformance (Chromium)' },
  );
  const results: { name: string; error?: string }[] = [];
  for (const test of tests) {
    try {
      await test.fn();
      results.push({ name: test.name });
    } catch (error) {
      results.push({ name: test.name, error: String((error as Error).stack ?? error) });
    }
  }
  return results;
}

Object.assign(window, { runConformance });
document.body.dataset.ready = 'true';
