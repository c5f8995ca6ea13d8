import type { WebRtcImplementation } from '@webraft/transport-webrtc';
import { fanOutLoop, type Run } from '../bench-node.js';

/**
 * The floor of the WebRTC benchmark, on the transport's own data channels: the browser's WebRTC
 * classes, with a listener put on every data channel before the transport's own (a subclass of the real
 * RTCPeerConnection: nothing is mocked), which takes the floor's frames off the channel and lets every
 * other frame through to the transport untouched.
 *
 * A floor frame starts with a character the transport's framing never uses (framing.ts: `m`, `p`, `e`,
 * `h`), so the transport never sees one: `f<json>` a ping, `F<json>` its answer.
 */
const PING = 'f';
const ANSWER = 'F';

/** An append of one entry and its acknowledgement, as Raft sends them at 1 in flight (JSON). */
const APPEND = {
  type: 'append',
  from: 'n1',
  to: 'n2',
  term: 1,
  index: 1,
  logTerm: 1,
  commit: 1,
  entries: [{ index: 2, term: 1, kind: 'command', data: { op: 'inc' }, client: 'n1~k3j4h5g6f7', seq: 1 }],
};
const ACK = { type: 'appendResponse', from: 'n2', to: 'n1', term: 1, index: 2, reject: false };

export interface ChannelFloor {
  /** For the transport's `wrtc` option. */
  wrtc: WebRtcImplementation;
  /** The open data channels of this page (one per peer with a direct link). */
  openChannels(): RTCDataChannel[];
  /**
   * Closed-loop round trips from this page to the peers of its open channels (all, or the first
   * `peers`) at once: an append-sized ping on each, `inflight` outstanding; resolves with the runs timed
   * at the first answer and at the last.
   */
  ping(
    ops: number,
    warmup: number,
    inflight: number,
    peers?: number,
  ): Promise<{ first: Run; all: Run; peers: number }>;
}

export function channelFloor(): ChannelFloor {
  const channels: RTCDataChannel[] = [];
  /** The running ping's handler of answers, if any. */
  let onAnswer: ((n: number) => void) | null = null;

  const tap = (channel: RTCDataChannel) => {
    channels.push(channel);
    channel.addEventListener('message', (event) => {
      const data = event.data;
      if (typeof data !== 'string') return;
      const kind = data.charAt(0);
      if (kind !== PING && kind !== ANSWER) return;
      event.stopImmediatePropagation(); // not for the transport
      // Decoded and encoded as the transport does a message: the JSON parsed, the answer stringified.
      const { n } = JSON.parse(data.slice(1)) as { n: number };
      if (kind === PING) channel.send(`${ANSWER}${JSON.stringify({ ...ACK, n })}`);
      else onAnswer?.(n);
    });
  };

  class TappedPeerConnection extends RTCPeerConnection {
    constructor(config?: RTCConfiguration) {
      super(config);
      // Registered before the transport sets `ondatachannel`, so the tap's listener comes first.
      this.addEventListener('datachannel', (event) => tap(event.channel));
    }
    override createDataChannel(label: string, init?: RTCDataChannelInit): RTCDataChannel {
      const channel = super.createDataChannel(label, init);
      tap(channel);
      return channel;
    }
  }

  const openChannels = () => channels.filter((channel) => channel.readyState === 'open');

  function ping(ops: number, warmup: number, inflight: number, peers?: number) {
    const to = openChannels().slice(0, peers);
    if (to.length === 0) return Promise.reject(new Error('no open data channel'));
    const loop = fanOutLoop(to.length, ops, warmup, inflight, (n) => {
      for (const channel of to) channel.send(`${PING}${JSON.stringify({ ...APPEND, n })}`);
    });
    onAnswer = loop.answer;
    return loop.result.then(({ first, all }) => {
      onAnswer = null;
      return { first, all, peers: to.length };
    });
  }

  return {
    wrtc: { RTCPeerConnection: TappedPeerConnection, RTCSessionDescription, RTCIceCandidate },
    openChannels,
    ping,
  };
}
