import type { Signal } from '@webraft/transport-websocket/protocol';
import type { PeerConnectionFactory } from './peer-connection.js';

/** Above this many buffered bytes the channel is not writable until `bufferedamountlow` (at half of it). */
export const NATIVE_HIGH_WATER_BYTES = 1024 * 1024;
/**
 * How often a channel without the `bufferedamountlow` event (@roamhq/wrtc 0.10 has none) is looked at
 * while it is above the high-water mark; never while it is below, so the commit path does not poll.
 */
export const NATIVE_DRAIN_CHECK_MS = 20;

/**
 * A `PeerConnectionFactory` on `RTCPeerConnection` itself (the browser's, or `wrtc`'s), without
 * simple-peer: no Node polyfills and no stream layer between the channel and the transport. The same
 * signals (offer, answer, trickled candidates) and the same one ordered, reliable data channel, so
 * either side may use either factory. Backpressure: `bufferedAmount` above `NATIVE_HIGH_WATER_BYTES`
 * makes it unwritable until `bufferedamountlow` (or, where the channel has no such event, until a check
 * every `NATIVE_DRAIN_CHECK_MS` finds it at half the mark: without one, the channel stalled for good).
 */
export const createNativePeerConnection: PeerConnectionFactory = ({
  initiator,
  iceServers,
  wrtc,
  events,
}) => {
  const PC = (wrtc?.RTCPeerConnection ?? globalThis.RTCPeerConnection) as typeof RTCPeerConnection;
  const pc = new PC({ iceServers: iceServers as RTCIceServer[] });
  let channel: RTCDataChannel | null = null;
  /** The channel fires `bufferedamountlow` (browsers do; @roamhq/wrtc 0.10 does not). */
  let lowEvent = true;
  let drainCheck: ReturnType<typeof setTimeout> | null = null;
  let done = false;
  let remoteSet = false;
  const early: RTCIceCandidateInit[] = [];
  // Signals are handled one after another: a candidate must wait for the description before it.
  let queue: Promise<void> = Promise.resolve();

  const release = () => {
    if (drainCheck !== null) clearTimeout(drainCheck);
    drainCheck = null;
    if (channel) channel.onopen = channel.onmessage = channel.onclose = channel.onbufferedamountlow = null;
    pc.onicecandidate = pc.onconnectionstatechange = pc.ondatachannel = null;
    try {
      pc.close();
    } catch {
      // already closed
    }
  };
  const finish = (reason: string) => {
    if (done) return;
    done = true;
    release();
    events.closed(reason);
  };
  const checkDrained = () => {
    drainCheck = setTimeout(() => {
      drainCheck = null;
      if (done || !channel) return;
      if (channel.bufferedAmount <= NATIVE_HIGH_WATER_BYTES / 2) events.writable();
      else checkDrained();
    }, NATIVE_DRAIN_CHECK_MS);
  };
  const attach = (ch: RTCDataChannel) => {
    channel = ch;
    lowEvent = 'onbufferedamountlow' in ch; // before this side sets it
    ch.bufferedAmountLowThreshold = NATIVE_HIGH_WATER_BYTES / 2;
    ch.onopen = () => {
      if (!done) events.open();
    };
    ch.onmessage = (event) => {
      if (!done) events.data(event.data);
    };
    ch.onclose = () => finish('the data channel closed');
    ch.onbufferedamountlow = () => {
      if (!done) events.writable();
    };
  };
  pc.onicecandidate = (event) => {
    if (!done && event.candidate?.candidate)
      events.signal({
        type: 'candidate',
        candidate: event.candidate.toJSON() as Extract<Signal, { type: 'candidate' }>['candidate'],
      });
  };
  pc.onconnectionstatechange = () => {
    if (pc.connectionState === 'failed' || pc.connectionState === 'closed')
      finish(`connection ${pc.connectionState}`);
  };
  const describe = async () => {
    const sdp = pc.localDescription?.sdp;
    if (!done && sdp && pc.localDescription)
      events.signal({ type: pc.localDescription.type as 'offer', sdp });
  };
  const remote = async (description: RTCSessionDescriptionInit) => {
    await pc.setRemoteDescription(description);
    remoteSet = true;
    for (const candidate of early.splice(0)) await pc.addIceCandidate(candidate);
  };
  const run = (step: () => Promise<void>) => {
    queue = queue.then(step).catch((error: unknown) => finish(`signaling failed: ${String(error)}`));
  };

  if (initiator) {
    attach(pc.createDataChannel('webraft', { ordered: true }));
    run(async () => {
      await pc.setLocalDescription(await pc.createOffer());
      await describe();
    });
  } else pc.ondatachannel = (event) => attach(event.channel);

  return {
    get open() {
      return !done && channel?.readyState === 'open';
    },
    get writable() {
      return !done && channel?.readyState === 'open' && channel.bufferedAmount <= NATIVE_HIGH_WATER_BYTES;
    },
    signal(signal) {
      if (done) return;
      run(async () => {
        if (done) return;
        if (signal.type === 'offer') {
          await remote({ type: 'offer', sdp: signal.sdp });
          await pc.setLocalDescription(await pc.createAnswer());
          await describe();
        } else if (signal.type === 'answer') await remote({ type: 'answer', sdp: signal.sdp });
        else if (signal.type === 'candidate') {
          if (remoteSet) await pc.addIceCandidate(signal.candidate);
          else early.push(signal.candidate);
        }
      });
    },
    send(frame) {
      if (done || !channel) return;
      try {
        channel.send(frame);
      } catch (error) {
        finish(`send failed: ${String(error)}`);
        return;
      }
      if (!lowEvent && drainCheck === null && channel.bufferedAmount > NATIVE_HIGH_WATER_BYTES)
        checkDrained();
    },
    destroy() {
      done = true;
      release();
    },
  };
};
