import type { Clock } from '@webraft/core';
import type { FeedChannel } from '../../src/index.js';

/**
 * How long a message from `from` to `to` takes (ms), 'drop' when it never arrives, or several delays
 * when it arrives more than once.
 */
export type DeliveryRule = (
  from: string,
  to: string,
  message: { type: string },
) => number | 'drop' | readonly number[];

/**
 * BroadcastChannels of one name on a virtual clock: each message reaches every other open channel
 * after the delay the rule gives (a copy, as structured clone makes), unless the receiver closed.
 */
export class ChannelHub {
  private readonly open = new Map<string, { channel: SimChannel; runs: Clock }>();
  rule: DeliveryRule = () => 0.1;

  constructor(private readonly clock: Clock) {}

  /**
   * The `createChannel` option for the feed `owner`. A message that arrives is run by `runs`, the
   * receiver's own clock when it has one (a stalled tab handles it late).
   */
  factory(owner: string, runs: Clock = this.clock): () => FeedChannel {
    return () => {
      const channel = new SimChannel(owner, this);
      this.open.set(owner, { channel, runs });
      return channel;
    };
  }

  post(from: string, message: unknown): void {
    for (const [to, { channel, runs }] of this.open) {
      if (to === from) continue;
      const delay = this.rule(from, to, message as { type: string });
      if (delay === 'drop') continue;
      for (const d of typeof delay === 'number' ? [delay] : delay) {
        const copy = JSON.parse(JSON.stringify(message)) as unknown;
        const deliver = () => {
          if (this.open.get(to)?.channel === channel) channel.onmessage?.({ data: copy } as MessageEvent);
        };
        this.clock.setTimer(d, () => runs.setTimer(0, deliver));
      }
    }
  }

  close(owner: string, channel: SimChannel): void {
    if (this.open.get(owner)?.channel === channel) this.open.delete(owner);
  }
}

class SimChannel implements FeedChannel {
  onmessage: ((event: MessageEvent) => void) | null = null;
  onmessageerror: ((event: MessageEvent) => void) | null = null;
  private closed = false;

  constructor(
    private readonly owner: string,
    private readonly hub: ChannelHub,
  ) {}

  postMessage(message: unknown): void {
    if (!this.closed) this.hub.post(this.owner, message);
  }

  close(): void {
    this.closed = true;
    this.hub.close(this.owner, this);
  }
}
