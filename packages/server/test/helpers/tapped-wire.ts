import { WebSocket } from 'ws';

type End = 'a' | 'b';

/**
 * Raw access to the wire of a WebSocketTransport pair, for the conformance suite's hostile-input tests
 * (its `RawWire`): each end uses a `ws` class that keeps its sockets, and `inject` makes the newest
 * socket of an end receive a frame through ws's own message path, as if the relay had sent it.
 */
export function tappedWire(aAddress: string, bAddress: string) {
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
      /** What the relay sends `to` for a message from the other end: the server's `msg` frame. */
      encode: (to: End, payload: unknown) =>
        JSON.stringify({ k: 'msg', from: to === 'b' ? aAddress : bAddress, d: payload }),
      inject: (to: End, frame: unknown): boolean => {
        const ws = sockets[to].at(-1);
        if (!ws || ws.readyState !== WebSocket.OPEN) return false;
        if (typeof frame === 'string') ws.emit('message', Buffer.from(frame), false);
        else if (frame instanceof Uint8Array) ws.emit('message', Buffer.from(frame), true);
        else return false;
        return true;
      },
      /** Frames of the right framing (text, JSON) that the protocol refuses, and a binary frame. */
      garbage: [
        new Uint8Array([1, 2, 3]),
        '[]',
        '{"k":"nope"}',
        '{"k":"msg","from":"a"}',
        '{"k":"msg","from":"not an id!","d":1}',
        '{"k":"welcome","room":"r"}',
      ],
    },
  };
}
