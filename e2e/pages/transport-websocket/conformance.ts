import { runTransportTests } from '@webraft/core/testing';
import { webSocketPair } from '@webraft/transport-websocket/testing';

/**
 * Runs `runTransportTests` for WebSocketTransport in this page, with the browser's own WebSocket,
 * against the relay at `url`. A minimal harness: tests run one after the other; each result is returned.
 */
async function runConformance(url: string): Promise<{ name: string; error?: string }[]> {
  const tests: { name: string; fn: () => Promise<void> }[] = [];
  let prefix = '';
  runTransportTests(
    async () =>
      webSocketPair({
        urls: [url, url],
        room: `chromium-${Math.random().toString(36).slice(2)}`,
        WebSocket,
        garbage: [new Uint8Array([1, 2, 3]).buffer],
        // As if the relay sent it: a message event on the socket (text, or an ArrayBuffer for binary).
        injectFrame: (socket, frame) => {
          if (typeof frame !== 'string' && !(frame instanceof ArrayBuffer)) return false;
          (socket as unknown as WebSocket).dispatchEvent(new MessageEvent('message', { data: frame }));
          return true;
        },
      }),
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
