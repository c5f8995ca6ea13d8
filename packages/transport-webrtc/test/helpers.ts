import wrtc from '@roamhq/wrtc';
import type { MessageSink, TransportError } from '@webraft/core';
import {
  createSimplePeerConnection,
  type PeerConnectionFactory,
  type WebRtcImplementation,
} from '../src/index.js';

/** A sink that records what arrives and what is reported. */
export class Recorder implements MessageSink {
  readonly received: { from: string; payload: unknown }[] = [];
  readonly errors: TransportError[] = [];
  constructor(readonly address: string) {}
  gotData(from: string, payload: unknown): void {
    this.received.push({ from, payload });
  }
  reportError(error: TransportError): void {
    this.errors.push(error);
  }
  tagged(tag: string): unknown[] {
    return this.received.filter((r) => (r.payload as { t?: unknown })?.t === tag).map((r) => r.payload);
  }
}

/** @roamhq/wrtc whose RTCPeerConnections are kept, so that a test can close them under the transport. */
export function recordedWrtc(): { wrtc: WebRtcImplementation; connections: RTCPeerConnection[] } {
  const connections: RTCPeerConnection[] = [];
  const Base = wrtc.RTCPeerConnection as unknown as typeof RTCPeerConnection;
  class RecordedPeerConnection extends Base {
    constructor(config?: RTCConfiguration) {
      super(config);
      connections.push(this);
    }
  }
  return { wrtc: { ...wrtc, RTCPeerConnection: RecordedPeerConnection }, connections };
}

/**
 * simple-peer whose ICE candidates are withheld while `blocked()`: no candidate pair can form, so the
 * attempt times out as ICE does on a network that blocks UDP.
 */
export function blockableIce(blocked: () => boolean): PeerConnectionFactory {
  return (options) =>
    createSimplePeerConnection({
      ...options,
      events: {
        ...options.events,
        signal: (signal) => {
          if (!blocked()) options.events.signal(signal);
          // Candidates gathered before the description was sent are in its SDP: strip them too.
          else if (signal.type === 'offer' || signal.type === 'answer')
            options.events.signal({ ...signal, sdp: signal.sdp.replace(/a=candidate:[^\r\n]*\r\n/g, '') });
        },
      },
    });
}

/**
 * @roamhq/wrtc whose data channels report their `bufferedAmount` right after every `send`, the most
 * each held: what a sender left waiting in the channel's buffer, the quantity backpressure bounds.
 */
export function bufferedAmountWrtc(): { wrtc: WebRtcImplementation; maxBuffered: () => number } {
  let max = 0;
  const watch = (channel: RTCDataChannel) => {
    const send = channel.send.bind(channel) as (data: string) => void;
    channel.send = (data: string) => {
      send(data);
      max = Math.max(max, channel.bufferedAmount);
    };
  };
  const Base = wrtc.RTCPeerConnection as unknown as typeof RTCPeerConnection;
  class WatchedPeerConnection extends Base {
    override createDataChannel(label: string, init?: RTCDataChannelInit): RTCDataChannel {
      const channel = super.createDataChannel(label, init);
      watch(channel);
      return channel;
    }
  }
  return { wrtc: { ...wrtc, RTCPeerConnection: WatchedPeerConnection }, maxBuffered: () => max };
}
