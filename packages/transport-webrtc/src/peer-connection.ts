import type { Signal } from '@webraft/transport-websocket/protocol';
import SimplePeer from 'simple-peer';

/**
 * One WebRTC connection to one peer carrying one ordered, reliable data channel: the only file that
 * knows simple-peer. Replacing simple-peer (by node-datachannel, or the browser's RTCPeerConnection
 * directly) means writing another `PeerConnectionFactory`; nothing else changes.
 */
export interface PeerConnection {
  /** Whether the data channel is open. */
  readonly open: boolean;
  /** Whether `send` may be called now: false while the channel's buffer is above its low-water mark. */
  readonly writable: boolean;
  /** Hands over a signal from the other side. */
  signal(signal: Signal): void;
  /** Sends one text frame on the data channel. A failure closes the connection (`closed` follows). */
  send(frame: string): void;
  /** Closes the connection; no event follows. */
  destroy(): void;
}

export interface PeerConnectionEvents {
  /** A signal to hand to the other side (offer, answer, candidate). */
  signal(signal: Signal): void;
  /** The data channel opened. */
  open(): void;
  /** A frame arrived: a string normally, anything else from a hostile or broken peer. */
  data(frame: unknown): void;
  /** The channel's buffer drained below its low-water mark: `send` may go on. */
  writable(): void;
  /** The connection closed or failed (once; `destroy()` does not call it). */
  closed(reason: string): void;
}

/** The WebRTC classes: the browser's globals, or `@roamhq/wrtc` in Node. */
export interface WebRtcImplementation {
  RTCPeerConnection: unknown;
  RTCSessionDescription: unknown;
  RTCIceCandidate: unknown;
}

export interface PeerConnectionOptions {
  /** This side sends the offer. */
  initiator: boolean;
  iceServers: readonly unknown[];
  /** Where `RTCPeerConnection` comes from; default: the global one. */
  wrtc: WebRtcImplementation | undefined;
  events: PeerConnectionEvents;
}

export type PeerConnectionFactory = (options: PeerConnectionOptions) => PeerConnection;

/** simple-peer's `MAX_BUFFERED_AMOUNT`: above it, a write through its stream waits for `bufferedamountlow`. */
export const SIMPLE_PEER_MAX_BUFFERED_BYTES = 64 * 1024;

/** The one internal of simple-peer 9.11.1 this factory replaces: the handler of the channel's `message` events. */
interface SimplePeerInternals {
  _onChannelMessage(event: MessageEvent): void;
}

/** simple-peer's signal objects as they come; ours (protocol `Signal`) or its private renegotiation. */
type SimplePeerSignal = Signal | { renegotiate?: true; transceiverRequest?: unknown };

/**
 * The default factory: simple-peer in object mode (strings stay strings) over one data channel,
 * `ordered: true`. Frames received go straight to `events.data` (see `_onChannelMessage` below).
 *
 * Sending: while the channel's `bufferedAmount` is at most 64 KiB, a frame goes straight onto the
 * channel (simple-peer's `send`), not through its Writable stream: in a browser bundle the stream's
 * `process.nextTick` is the polyfill's, a `setTimeout` task per write, which the commit path paid on
 * every message. Above 64 KiB the frame goes through the stream instead, which sends it and calls back
 * once the channel fired `bufferedamountlow` (simple-peer's `bufferedAmountLowThreshold`, 64 KiB);
 * until then the connection is not writable. So at most 64 KiB and two frames wait in the channel.
 */
export const createSimplePeerConnection: PeerConnectionFactory = (options) => {
  const { events } = options;
  let open = false;
  /** A frame went through simple-peer's stream and waits for the channel's buffer to drain. */
  let stalled = false;
  let done = false;
  const peer = new SimplePeer({
    initiator: options.initiator,
    config: { iceServers: options.iceServers as RTCIceServer[] },
    channelConfig: { ordered: true },
    objectMode: true,
    trickle: true,
    ...(options.wrtc ? { wrtc: options.wrtc as SimplePeer.Options['wrtc'] } : {}),
  } as SimplePeer.Options);
  const finish = (reason: string) => {
    if (done) return;
    done = true;
    open = false;
    events.closed(reason);
  };
  peer.on('signal', (data: SimplePeerSignal) => {
    // simple-peer's own renegotiation requests concern media tracks, which this transport never adds.
    if ('type' in data && typeof data.type === 'string') events.signal(data as Signal);
  });
  peer.on('connect', () => {
    if (done) return;
    open = true;
    events.open();
  });
  // Receiving: a frame goes from the channel's message event straight to the transport, not through
  // simple-peer's Readable stream, whose `push` schedules a `process.nextTick` per frame (in a browser
  // bundle the polyfill's `setTimeout`: a task and a timer per message on the commit path). simple-peer
  // calls `this._onChannelMessage(event)` from the channel's `onmessage` (9.11.1, pinned): overriding it
  // on this instance is the one place its internals are used; its `data` event is not.
  (peer as unknown as SimplePeerInternals)._onChannelMessage = (event) => {
    if (!done) events.data(event.data);
  };
  peer.on('close', () => finish('closed'));
  peer.on('error', (error: Error & { code?: string }) => finish(error.code ?? error.message));
  return {
    get open() {
      return open && !done;
    },
    get writable() {
      return open && !done && !stalled;
    },
    signal(signal) {
      if (done) return;
      try {
        peer.signal(signal as SimplePeer.SignalData);
      } catch (error) {
        // simple-peer throws for a signal it cannot use in its state (an answer to no offer).
        finish(`bad signal: ${String(error)}`);
        peer.destroy();
      }
    },
    send(frame) {
      if (done) return;
      if (!stalled && peer.bufferSize <= SIMPLE_PEER_MAX_BUFFERED_BYTES) {
        try {
          peer.send(frame);
        } catch (error) {
          // The channel closed under us (InvalidStateError); simple-peer's own write would destroy too.
          finish(`send failed: ${String(error)}`);
          peer.destroy();
        }
        return;
      }
      stalled = true;
      peer.write(frame, () => {
        stalled = false;
        if (!done) events.writable();
      });
    },
    destroy() {
      done = true;
      open = false;
      peer.removeAllListeners();
      // A late error from the destroyed peer must not surface as an unhandled 'error' event.
      peer.on('error', () => {});
      peer.destroy();
    },
  };
};
