import { webSocketPair } from '@webraft/transport-websocket/testing';
import { WebSocket } from 'ws';

/** A conformance pair over `ws` in Node; frames are injected through ws's own `message` event. */
export const nodePair = (urls: [string, string], room: string) =>
  webSocketPair({
    urls,
    room,
    WebSocket,
    garbage: [new Uint8Array([1, 2, 3])],
    injectFrame: (socket, frame) => {
      const ws = socket as unknown as WebSocket;
      if (typeof frame === 'string') ws.emit('message', Buffer.from(frame), false);
      else if (frame instanceof Uint8Array) ws.emit('message', Buffer.from(frame), true);
      else return false;
      return true;
    },
  });
