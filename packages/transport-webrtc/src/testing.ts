import type { runTransportTests } from '@webraft/core/testing';
import { encodeFrames } from './framing.js';
import {
  createSimplePeerConnection,
  type PeerConnection,
  type PeerConnectionFactory,
} from './peer-connection.js';
import type { Signaling } from './signaling.js';
import { WebRtcTransport } from './simple-peer-transport.js';
import type { WebRtcTransportOptions } from './transport.js';

type End = 'a' | 'b';

/** `probe()` once it is defined, polled every 10 ms; undefined after `timeoutMs`. */
async function until<T>(probe: () => T | undefined, timeoutMs: number): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (let value = probe(); ; value = probe()) {
    if (value !== undefined || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
/** What `runTransportTests` asks for (named here so that this compiles with any version of the core). */
type TransportPair = Awaited<ReturnType<Parameters<typeof runTransportTests>[0]>>;

/** Frames of the right type (text) that the framing refuses, one UNDECODABLE report each. */
export const REFUSED_FRAMES: readonly string[] = ['x{}', 'm{"t":', 'mundefined', 'e', 'M{}'];

/**
 * A pair of WebRtcTransports in one room for `runTransportTests`, each end with its own signaling
 * (`signaling(end)`), with raw access to the wire for the hostile-input cases: every connection an end
 * makes is kept, and `inject(to, frame)` sends `frame` (or each frame of an array) on the other end's
 * open data channel, as its sender would but unchecked.
 */
export function webRtcPair(
  options: Omit<WebRtcTransportOptions, 'signaling'> & {
    signaling: (end: End) => Signaling;
    aAddress?: string;
    bAddress?: string;
    /** Extra refused frames this platform can carry (binary ones). */
    garbage?: unknown[];
  },
): TransportPair & { wire: unknown; transports: WebRtcTransport[] } {
  const { aAddress = 'end-a', bAddress = 'end-b', signaling, garbage = [], ...rest } = options;
  const connections: Record<End, PeerConnection[]> = { a: [], b: [] };
  const base = options.peerConnectionFactory ?? createSimplePeerConnection;
  const tapped =
    (end: End): PeerConnectionFactory =>
    (factoryOptions) => {
      const pc = base(factoryOptions);
      connections[end].push(pc);
      return pc;
    };
  const transports: WebRtcTransport[] = [];
  let a: WebRtcTransport | null = null;
  const make = (end: End) => {
    const t = new WebRtcTransport({ ...rest, signaling: signaling(end), peerConnectionFactory: tapped(end) });
    transports.push(t);
    if (end === 'b') {
      // b opens second: its open() resolves once both ends are on the direct channel, so that the
      // suite's warm-up messages do not take the relay (they would arrive late, during a later check).
      const open = t.open.bind(t);
      t.open = async (sink) => {
        await open(sink);
        await until(
          () => (a?.directPeers.includes(bAddress) && t.directPeers.includes(aAddress) ? true : undefined),
          10_000,
        );
      };
    }
    return t;
  };
  a = make('a');
  const b = make('b');
  return {
    a: a as WebRtcTransport,
    b,
    aAddress,
    bAddress,
    transports,
    reopenB: async () => make('b'),
    close: async () => {
      for (const t of transports) t.close();
    },
    wire: {
      /** The frames the other end puts on its channel to carry `payload` to `to`. */
      encode: (_to: End, payload: unknown) => encodeFrames(JSON.stringify(payload)),
      inject: async (to: End, frame: unknown): Promise<boolean> => {
        const from: End = to === 'b' ? 'a' : 'b';
        // The suite's warm-up may have gone through the relay: wait for the channel.
        const pc = await until(() => [...connections[from]].reverse().find((c) => c.open), 10_000);
        if (!pc) return false;
        const send = pc.send as (frame: unknown) => void;
        for (const f of Array.isArray(frame) ? frame : [frame]) send(f);
        return true;
      },
      garbage: [...REFUSED_FRAMES, ...garbage],
    },
  };
}
