import { runTransportTests } from '@webraft/core/testing';
import { WebSocketTransport } from '@webraft/transport-websocket';

type End = 'a' | 'b';

/**
 * Raw access to the wire for the suite's hostile-input tests: each end's WebSocket class keeps its
 * sockets, and `inject` dispatches a message event on an end's newest socket, as if the relay sent it.
 */
function tappedWire(aAddress: string, bAddress: string) {
  const sockets: Record<End, WebSocket[]> = { a: [], b: [] };
  const socketClass = (end: End) =>
    class TappedWebSocket extends WebSocket {
      constructor(url: string) {
        super(url);
        sockets[end].push(this);
      }
    };
  return {
    WebSocketA: socketClass('a'),
    WebSocketB: socketClass('b'),
    wire: {
      encode: (to: End, payload: unknown) =>
        JSON.stringify({ k: 'msg', from: to === 'b' ? aAddress : bAddress, d: payload }),
      inject: (to: End, frame: unknown): boolean => {
        const ws = sockets[to].at(-1);
        if (!ws || ws.readyState !== WebSocket.OPEN) return false;
        if (typeof frame !== 'string' && !(frame instanceof ArrayBuffer)) return false;
        ws.dispatchEvent(new MessageEvent('message', { data: frame }));
        return true;
      },
      garbage: [new Uint8Array([1, 2, 3]).buffer, '[]', '{"k":"nope"}', '{"k":"msg","from":"a"}'],
    },
  };
}

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
      const tap = tappedWire('page-a', 'page-b');
      const make = (WebSocket: typeof tap.WebSocketA) => new WebSocketTransport({ url, room, WebSocket });
      const transports = [make(tap.WebSocketA), make(tap.WebSocketB)];
      return {
        a: transports[0]!,
        b: transports[1]!,
        aAddress: 'page-a',
        bAddress: 'page-b',
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
