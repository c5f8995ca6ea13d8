/**
 * The conformance pair for `runTransportTests`, shared by the Node run (conformance.test.ts) and the
 * Chromium page (e2e/pages/transport-broadcastchannel/). Each pair gets a cluster of its own, so runs
 * cannot hear each other; its raw wire is a plain BroadcastChannel on the same channel.
 */
import type { PairEnd, TransportPair } from '@webraft/core/testing';
import {
  type BroadcastChannelConstructor,
  BroadcastChannelTransport,
  type BroadcastChannelTransportOptions,
  channelName,
} from '../src/index.js';

const Channel = (globalThis as unknown as { BroadcastChannel: BroadcastChannelConstructor }).BroadcastChannel;

export const uniqueCluster = (prefix = 'conformance'): string =>
  `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;

/** Frames this framing cannot decode, for `RawWire.garbage`. */
export function garbageFrames(cluster: string, from: string, to: string): unknown[] {
  return [
    null,
    42,
    [],
    {},
    new Date(0),
    new Map([['c', cluster]]),
    { c: cluster }, // no sender
    { c: cluster, f: '', k: 'here' }, // an empty sender id
    { c: cluster, f: 'x'.repeat(257), k: 'here' }, // a sender id past MAX_ID_LENGTH
    { c: cluster, f: from, k: 'nope' }, // an unknown kind
    { c: cluster, f: from, k: 'msg' }, // no addressee
    { c: cluster, f: from, k: 'msg', t: to, p: 42 }, // a payload that is not a string
    { c: cluster, f: from, k: 'msg', t: to, p: '{"type":' }, // a payload that is not JSON
    { c: 42, f: from, k: 'msg', t: to, p: '{}' }, // a cluster name that is not a string
  ];
}

export async function makeBroadcastChannelPair(
  options: Partial<BroadcastChannelTransportOptions> = {},
): Promise<TransportPair> {
  const cluster = uniqueCluster();
  const make = () => new BroadcastChannelTransport({ ...options, cluster });
  const transports = [make(), make()];
  const raw = new Channel(channelName(cluster));
  const address = { a: 'node-a', b: 'node-b' } as const;
  const other = (end: PairEnd): PairEnd => (end === 'a' ? 'b' : 'a');
  return {
    a: transports[0]!,
    b: transports[1]!,
    aAddress: address.a,
    bAddress: address.b,
    reopenB: async () => {
      const b = make();
      transports.push(b);
      return b;
    },
    wire: {
      encode: (to, payload) => ({
        c: cluster,
        k: 'msg',
        f: address[other(to)],
        t: address[to],
        p: JSON.stringify(payload),
      }),
      inject: (_to, frame) => {
        raw.postMessage(frame);
        return true;
      },
      garbage: garbageFrames(cluster, address.a, address.b),
    },
    close: async () => {
      for (const t of transports) t.close();
      raw.close();
    },
  };
}
