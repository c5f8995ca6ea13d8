import { LeaderFeed, type LeaderFeedOptions } from '../leader-feed.js';
import type { LeaderRecord } from '../types.js';
import { type FeedMessage, isFeedMessage, outranks, recordOf } from './messages.js';

export interface BroadcastChannelLeaderFeedOptions extends LeaderFeedOptions {
  /**
   * How long a candidate waits for a rival claim or a live leader's heartbeat before it leads. Must
   * exceed the channel's delivery time (well under a millisecond between tabs). Default: a fifth of
   * the heartbeat interval (20 ms).
   */
  claimWindowMs?: number;
}

export interface BroadcastChannelStartOptions {
  /** The channel name; every feed that should elect one leader among them uses the same. */
  channel: string;
}

interface Claim {
  id: string;
  token: number;
  /** Set when a rival claim or a live leader was seen during the window. */
  beatenBy: LeaderRecord | null;
}

/**
 * The seed's heartbeat algorithm over a BroadcastChannel (tabs of one origin, or Node 20's workers and
 * feeds of one process), for where Web Locks are missing. There is no shared store: each feed keeps the
 * largest token it has heard of, a candidate claims the next one and leads when no rival claim or live
 * leader answers within the claim window. A leader's lease is counted from sending its heartbeat, a
 * follower's patience from hearing it, so a frozen leader's lease ends (on its own clock) before the
 * others elect another. Limits: the package README, BroadcastChannel.
 */
export class BroadcastChannelLeaderFeed extends LeaderFeed<BroadcastChannelStartOptions> {
  private channel: BroadcastChannel | undefined;
  private channelName = '';
  private readonly claimWindowMs: number;
  private maxToken = 0;
  /** The leadership last heard of, and when (this feed's clock). */
  private heard: (LeaderRecord & { at: number }) | undefined;
  private claim: Claim | undefined;

  constructor(options: BroadcastChannelLeaderFeedOptions = {}) {
    super(options);
    this.claimWindowMs = options.claimWindowMs ?? this.timing.heartbeatIntervalMs / 5;
  }

  protected _start(opts: BroadcastChannelStartOptions | undefined): void {
    this.channelName = opts?.channel ?? 'webraft-leaderfeed';
  }

  protected _create(): void {}

  protected _subscribe(): void {
    const channel = new BroadcastChannel(this.channelName);
    channel.onmessage = (event: MessageEvent) => {
      if (isFeedMessage(event.data)) this.receive(event.data);
    };
    channel.onmessageerror = (event: MessageEvent) => this._subscribeError(event);
    this.channel = channel;
  }

  protected _unsubscribe(): void {
    this.channel?.close();
    this.channel = undefined;
    this.claim = undefined;
  }

  protected async _elect(id: string): Promise<LeaderRecord | null> {
    const live = this.liveLeader();
    if (id !== this.id) {
      if (live && live.leaderId !== this.id) return live;
      const record = { leaderId: id, token: ++this.maxToken };
      this.post({ type: 'handover', ...record });
      return record;
    }
    if (live && live.leaderId !== this.id) return live;
    const claim: Claim = { id, token: ++this.maxToken, beatenBy: null };
    this.claim = claim;
    this.post({ type: 'claim', id, token: claim.token });
    await new Promise<void>((resolve) => this.clock.setTimer(this.claimWindowMs, resolve));
    if (this.claim === claim) this.claim = undefined;
    if (claim.beatenBy) return claim.beatenBy;
    const record = { leaderId: id, token: claim.token };
    this.post({ type: 'heartbeat', ...record });
    this.hear(record);
    return record;
  }

  protected _heartbeat(token: number): boolean {
    // A newer leadership heard of (a claim alone is not one: a live leader defeats it by answering).
    if (this.heard && this.heard.token > token && this.heard.leaderId !== this.id) return false;
    this.post({ type: 'heartbeat', leaderId: this.id, token });
    this.hear({ leaderId: this.id, token });
    return true;
  }

  protected override _resign(token: number): void {
    this.post({ type: 'resign', leaderId: this.id, token });
  }

  private receive(m: FeedMessage): void {
    this.maxToken = Math.max(this.maxToken, m.token);
    switch (m.type) {
      case 'claim': {
        const mine = this.claim;
        if (mine && outranks(m, mine)) mine.beatenBy = { leaderId: m.id, token: m.token };
        // A leader answers a claim at once, so the candidate sees it is alive.
        if (this.isLeader) this._heartbeat(this.token!);
        return;
      }
      case 'heartbeat':
      case 'handover':
        if (this.claim && m.leaderId !== this.id) this.claim.beatenBy = recordOf(m);
        this.hear(recordOf(m));
        this._receiveRecord(recordOf(m));
        return;
      case 'resign':
        if (this.heard?.token === m.token) this.heard = undefined;
        this._receiveRecord(null);
        return;
    }
  }

  private hear(record: LeaderRecord): void {
    if (this.heard && record.token < this.heard.token) return;
    this.heard = { ...record, at: this.clock.now() };
  }

  /** The leadership heard of within the last lease, if any. */
  private liveLeader(): LeaderRecord | null {
    const h = this.heard;
    return h && this.clock.now() - h.at < this.leaseMs ? recordOf(h) : null;
  }

  private post(message: FeedMessage): void {
    this.channel?.postMessage(message);
  }
}
