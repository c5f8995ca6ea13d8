import type { MessageSink, TransportError } from '@webraft/core';
import { waitFor } from '@webraft/core/testing';
import { type BroadcastChannelConstructor, channelName } from '../src/index.js';

export const Channel = (globalThis as unknown as { BroadcastChannel: BroadcastChannelConstructor })
  .BroadcastChannel;

/** A sink that records payloads and reported errors. */
export function recorder(address: string) {
  const got: { from: string; payload: unknown }[] = [];
  const errors: TransportError[] = [];
  const sink: MessageSink = {
    address,
    gotData: (from, payload) => void got.push({ from, payload }),
    reportError: (error) => void errors.push(error),
  };
  return { sink, got, errors };
}

/** A plain channel on `cluster`'s channel: what any same-origin script can post. */
export function rawChannel(cluster: string) {
  const channel = new Channel(channelName(cluster));
  const heard: unknown[] = [];
  channel.onmessage = (event) => void heard.push(event.data);
  return { channel, heard, post: (frame: unknown) => channel.postMessage(frame) };
}

export const until = (predicate: () => boolean, what: string, timeoutMs = 5000) =>
  waitFor(predicate, timeoutMs, what);
