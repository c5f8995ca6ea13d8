import { LeaderFeed, type LeaderFeedOptions } from '../leader-feed.js';
import type { LeaderRecord } from '../types.js';
import { decodeRecord, encodeRecord } from './record.js';
import { ELECT_SCRIPT, HEARTBEAT_SCRIPT, RESIGN_SCRIPT } from './scripts.js';

/** The subscriber connection: what `ioredis` (and structurally similar clients) offer. */
export interface RedisSubscriberLike {
  subscribe(channel: string): Promise<unknown>;
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  disconnect(): void;
}

/** The command connection: `eval` and `duplicate`, as `ioredis`'s `Redis` has them. */
export interface RedisLike {
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  duplicate(): RedisSubscriberLike;
}

export interface RedisStartOptions {
  /** The name of this feed: its keys are `<channel>:leader` and `<channel>:token`, its pub/sub channel `<channel>`. */
  channel: string;
}

/**
 * The seed's Redis backend done right: the leader record is a key set with `PX` (time from the Redis
 * server) and changed only by compare-and-set Lua scripts, the token comes from `INCR`, and changes
 * travel over pub/sub (on a duplicate connection, as a subscribed connection can send nothing else).
 */
export class RedisLeaderFeed extends LeaderFeed<RedisStartOptions> {
  private channel = '';
  private sub: RedisSubscriberLike | undefined;

  constructor(
    readonly pub: RedisLike,
    options: LeaderFeedOptions = {},
  ) {
    super(options);
  }

  /** The subscriber connection while started (the seed's `sub`). */
  get subscriber(): RedisSubscriberLike | undefined {
    return this.sub;
  }

  protected _start(opts: RedisStartOptions | undefined): void {
    this.channel = opts?.channel ?? 'webraft-leaderfeed';
  }

  protected _create(): void {}

  protected async _subscribe(): Promise<void> {
    const sub = this.pub.duplicate();
    sub.on('message', (channel, message) => {
      if (channel === this.channel) this._receiveRecord(decodeRecord(message));
    });
    sub.on('error', (error) => this._subscribeError(error));
    this.sub = sub;
    await sub.subscribe(this.channel);
  }

  protected _unsubscribe(): void {
    this.sub?.disconnect();
    this.sub = undefined;
  }

  protected async _elect(id: string): Promise<LeaderRecord | null> {
    // The floor: the largest token this feed has seen, in case Redis restarted without its counter.
    const floor = this.leader?.token ?? 0;
    const reply = await this.pub.eval(
      ELECT_SCRIPT,
      2,
      ...this.keys(),
      this.id,
      id,
      this.leaseMs,
      this.channel,
      floor,
    );
    return decodeRecord(reply);
  }

  protected async _heartbeat(token: number): Promise<boolean> {
    const record = encodeRecord({ leaderId: this.id, token });
    return (
      (await this.pub.eval(HEARTBEAT_SCRIPT, 2, ...this.keys(), record, this.leaseMs, this.channel)) === 1
    );
  }

  protected override async _resign(token: number): Promise<void> {
    await this.pub.eval(
      RESIGN_SCRIPT,
      2,
      ...this.keys(),
      encodeRecord({ leaderId: this.id, token }),
      this.channel,
    );
  }

  private keys(): [string, string] {
    return [`${this.channel}:leader`, `${this.channel}:token`];
  }
}
