import { LeaderFeed, type LeaderFeedOptions } from '../leader-feed.js';
import type { LeaderRecord } from '../types.js';
import { type FeedMessage, isFeedMessage, outranks, recordOf } from './messages.js';

export interface BroadcastChannelLeaderFeedOptions extends LeaderFeedOptions {
  /**
   * How long a candidate waits for a rival claim or a live leader's heartbeat before it leads. Must
   * exceed a round trip on the channel (well under a millisecond between tabs). Default: a fifth of
   * the heartbeat interval (20 ms).
   */
  claimWindowMs?: number;
  /** Opens the channel: `new BroadcastChannel(name)` by default (tests pass a simulated one). */
  createChannel?: (name: string) => FeedChannel;
}

/** The part of a `BroadcastChannel` the feed uses. */
export interface FeedChannel {
  postMessage(message: unknown): void;
  close(): void;
  onmessage: ((event: MessageEvent) => void) | null;
  onmessageerror: ((event: MessageEvent) => void) | null;
}

export interface BroadcastChannelStartOptions {
  /** The channel name; every feed that should elect one leader among them uses the same. */
  channel: string;
}

interface Claim {
  id: string;
  token: number;
  /** Set when a rival claim, a live leader or a stale answer was heard during the window. */
  beaten: boolean;
  /** The leadership that beat it, when one did (a stale answer names none). */
  beatenBy: LeaderRecord | null;
}

/**
 * The seed's heartbeat algorithm over a BroadcastChannel (tabs of one origin, or Node 20's workers and
 * feeds of one process), for where Web Locks are missing. There is no shared store: each feed keeps the
 * largest token it has heard of, a candidate claims the next one and leads when no rival claim or live
 * leader answers within the claim window. A leader's lease is counted from sending its heartbeat, a
 * follower's patience from hearing it, so a frozen leader's lease ends (on its own clock) before the
 * others elect another. Limits: the package README, BroadcastChannel.
 *
 * The fencing rule: a leader leads only under the largest token it has heard of. Why each message keeps
 * it, given delivery within half a claim window (a round trip within the window):
 * - Rival claims in flight: each claimant hears the others within its window; the larger (token, id)
 *   wins and the others are beaten, so no token goes to two leaders.
 * - A claim reaching a live leader: with a smaller token, the leader answers with a heartbeat (the
 *   claimant is beaten, and learns the leader's token). With a token at least its own, the claimant
 *   may lead under it if the answer comes late, and may die before any of its heartbeats arrives: so
 *   the leader never answers with its own token, but steps down at once and claims again, through the
 *   normal claim path, with a token larger than every one it has heard. That claim outranks the
 *   claimant's (which is beaten); if the claimant died mid-claim the old leader leads again, under a
 *   token larger than the dead one's; if the answer still came late and the claimant leads, each hears
 *   the other's larger claim and the same rule leaves the larger one.
 * - A claim or heartbeat with a token smaller than one a feed has heard (a fresh tab that has not heard
 *   the counter yet): the feed answers `stale` with its largest token; a claimant is beaten by it, a
 *   leader (or a leader's resignation, or any other message) with a token below its own makes no
 *   leader carry on: a leader that hears any token larger than its own claims again.
 * - A claimant whose window ran over (the tab stalled: messages may be queued behind the timer) waits
 *   another window before it leads, so what arrived meanwhile is heard first.
 */
export class BroadcastChannelLeaderFeed extends LeaderFeed<BroadcastChannelStartOptions> {
  private channel: FeedChannel | undefined;
  private channelName = '';
  private readonly claimWindowMs: number;
  private readonly createChannel: (name: string) => FeedChannel;
  private maxToken = 0;
  /** The leadership last heard of, and when (this feed's clock). */
  private heard: (LeaderRecord & { at: number }) | undefined;
  private claim: Claim | undefined;

  constructor(options: BroadcastChannelLeaderFeedOptions = {}) {
    super(options);
    this.claimWindowMs = options.claimWindowMs ?? this.timing.heartbeatIntervalMs / 5;
    this.createChannel = options.createChannel ?? ((name) => new BroadcastChannel(name));
  }

  protected _start(opts: BroadcastChannelStartOptions | undefined): void {
    this.channelName = opts?.channel ?? 'webraft-leaderfeed';
  }

  protected _create(): void {}

  protected _subscribe(): void {
    const channel = this.createChannel(this.channelName);
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
    const claim: Claim = { id, token: ++this.maxToken, beaten: false, beatenBy: null };
    this.claim = claim;
    this.post({ type: 'claim', id, token: claim.token });
    // A window that ran over (a stalled tab) may have messages queued behind it: wait one more.
    for (let from = this.clock.now(); ; ) {
      await new Promise<void>((resolve) => this.clock.setTimer(this.claimWindowMs, resolve));
      if (claim.beaten || this.clock.now() - from <= this.claimWindowMs * 1.5) break;
      from = this.clock.now();
    }
    if (this.claim === claim) this.claim = undefined;
    if (claim.beaten || this.channel === undefined) return claim.beatenBy;
    const record = { leaderId: id, token: claim.token };
    this.post({ type: 'heartbeat', ...record });
    this.hear(record);
    return record;
  }

  protected _heartbeat(token: number): boolean {
    // A newer leadership, or any larger token, heard of: this one may be spent.
    if (this.maxToken > token) return false;
    if (this.heard && this.heard.token > token && this.heard.leaderId !== this.id) return false;
    this.post({ type: 'heartbeat', leaderId: this.id, token });
    this.hear({ leaderId: this.id, token });
    return true;
  }

  protected override _resign(token: number): void {
    this.post({ type: 'resign', leaderId: this.id, token });
  }

  /**
   * No jitter after a resignation: the followers all hear it at about the same moment and claim the
   * same next token, and the claim window's (token, id) order picks one of them; jitter would only
   * lengthen the failover.
   */
  protected override _resignationJitterMs(): number {
    return 0;
  }

  private receive(m: FeedMessage): void {
    const own = this.token; // defined while this feed leads (its lease live)
    const largestBefore = this.maxToken;
    this.maxToken = Math.max(this.maxToken, m.token);
    switch (m.type) {
      case 'claim': {
        const mine = this.claim;
        if (mine && outranks(m, mine)) this.beat(mine, { leaderId: m.id, token: m.token });
        if (own !== undefined) {
          // A leader answers a claim at once: a smaller token is told the leader is alive; a token at
          // least its own may lead if the answer is late, so the leader claims again, above it.
          if (m.token < own) this._heartbeat(own);
          else this.claimAgain();
        } else if (m.token < largestBefore) this.post({ type: 'stale', id: m.id, token: largestBefore });
        return;
      }
      case 'heartbeat':
      case 'handover': {
        if (this.claim && m.leaderId !== this.id) this.beat(this.claim, recordOf(m));
        if (m.leaderId !== this.id && m.token < largestBefore) {
          this.post({ type: 'stale', id: m.leaderId, token: largestBefore });
        }
        // The same token led by another (a claim answered too late): neither may go on under it.
        if (own !== undefined && m.token === own && m.leaderId !== this.id) this._leadershipEnded();
        this.hear(recordOf(m));
        this._receiveRecord(recordOf(m));
        return;
      }
      case 'resign':
        if (own !== undefined && m.token > own) this.claimAgain();
        if (this.heard?.token === m.token) this.heard = undefined;
        this._receiveRecord(null);
        return;
      case 'stale':
        if (this.claim && this.claim.token < m.token) this.beat(this.claim, null);
        if (own !== undefined && m.token > own) this.claimAgain();
        return;
    }
  }

  private beat(claim: Claim, by: LeaderRecord | null): void {
    claim.beaten = true;
    if (by) claim.beatenBy = by;
  }

  /** Steps down from a token that may no longer be the largest, and claims a larger one at once. */
  private claimAgain(): void {
    this._leadershipEnded();
    this.elect().catch(() => {}); // FeedStateError while stopping: nothing to claim
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
