import type { runTransportTests } from '@webraft/core/testing';
import type { SocketConstructor, SocketLike } from './transport.js';
import { WebSocketTransport } from './transport.js';

type End = 'a' | 'b';
/** What `runTransportTests` asks for (named here so that this compiles with any version of the core). */
type TransportPair = Awaited<ReturnType<Parameters<typeof runTransportTests>[0]>>;

/** Hands `frame` to `socket` through its own message path, as if the relay sent it; false if it cannot. */
export type InjectFrame = (socket: SocketLike, frame: unknown) => boolean;

/** Frames of the right framing (text JSON) that the protocol refuses. */
export const REFUSED_FRAMES: readonly string[] = [
  '[]',
  '{"k":"nope"}',
  '{"k":"msg","from":"a"}',
  '{"k":"msg","from":"not an id!","d":1}',
  '{"k":"welcome","room":"r"}',
];

/**
 * A pair of WebSocketTransports in one room (end a through `urls[0]`, end b through `urls[1]`), for
 * `runTransportTests`, with raw access to the wire for its hostile-input cases: each end's sockets
 * are made by a subclass of `WebSocket` that keeps them, and `inject` hands a frame to an end's newest
 * socket with `injectFrame` (ws: its `message` event; browsers: a dispatched MessageEvent).
 */
export function webSocketPair(options: {
  urls: [string, string];
  room: string;
  WebSocket: SocketConstructor;
  injectFrame: InjectFrame;
  /** Extra refused frames this platform can carry (a binary frame). */
  garbage?: unknown[];
  aAddress?: string;
  bAddress?: string;
}): TransportPair & { wire: unknown } {
  const { aAddress = 'end-a', bAddress = 'end-b', injectFrame } = options;
  const sockets: Record<End, SocketLike[]> = { a: [], b: [] };
  const Base = options.WebSocket;
  const make = (end: End) => {
    class TappedWebSocket extends (Base as unknown as new (url: string) => SocketLike) {
      constructor(url: string) {
        super(url);
        sockets[end].push(this);
      }
    }
    return new WebSocketTransport({
      url: options.urls[end === 'a' ? 0 : 1],
      room: options.room,
      WebSocket: TappedWebSocket,
    });
  };
  const transports = [make('a'), make('b')];
  return {
    a: transports[0]!,
    b: transports[1]!,
    aAddress,
    bAddress,
    reopenB: async () => {
      const b = make('b');
      transports.push(b);
      return b;
    },
    close: async () => {
      for (const t of transports) t.close();
    },
    wire: {
      /** What the relay sends `to` for a message from the other end: the server's `msg` frame. */
      encode: (to: End, payload: unknown) =>
        JSON.stringify({ k: 'msg', from: to === 'b' ? aAddress : bAddress, d: payload }),
      inject: (to: End, frame: unknown): boolean => {
        const socket = sockets[to].at(-1);
        return socket !== undefined && socket.readyState === 1 && injectFrame(socket, frame);
      },
      garbage: [...REFUSED_FRAMES, ...(options.garbage ?? [])],
    },
  };
}
