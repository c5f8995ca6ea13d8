import { LeaderFeed, type LeaderFeedOptions } from '../leader-feed.js';
import type { LeaderRecord } from '../types.js';
import { type FeedMessage, isFeedMessage, outranks, recordOf } from './messages.js';
import { defaultTokenStore, type TokenStore } from './token-store.js';

export interface BroadcastChannelLeaderFeedOptions extends LeaderFeedOptions {
  /**
   * How long a candidate waits for a rival claim or a live leader's heartbeat before it leads. Must
   * exceed a round trip on the channel (well under a millisecond between tabs). Default: a fifth of
   * the heartbeat interval (20 ms).
   */
  claimWindowMs?: number;
  /**
   * A durable floor under the token counter, so tokens keep increasing after every feed of the channel
   * was gone. Default: localStorage (`webraft-leaderfeed:<channel>`) where the page has it; `null`: none
   * (the counter lives in the running feeds only).
   */
  tokenStore?: TokenStore | null;
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
  /** The leadership that beat it, when one did (a rival claim or a stale answer names none). */
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
 * - A claim or heartbeat with a token smaller than one a feed has heard, or equal to one another feed
 *   led under (a fresh tab that has not heard the counter's last step): the feed answers `stale` with
 *   its largest token; a claimant is beaten by it, a
 *   leader (or a leader's resignation, or any other message) with a token below its own makes no
 *   leader carry on: a leader that hears any token larger than its own claims again.
 * - A claimant whose window ran over (the tab stalled: messages may be queued behind the timer) waits
 *   another window before it leads, so what arrived meanwhile is heard first.
 * - A campaign waits until the feed has listened for a lease or heard a leadership (a stalled leader
 *   sends nothing, yet may lead); with nobody leading, `elect(id)` claims for `id` through the window, and `id` claims a
 *   hand-over again before it leads (it may have waited in a stalled tab's queue).
 * - The optional token store is a floor under the counter across full restarts (`token-store.ts`).
 */
export class BroadcastChannelLeaderFeed extends LeaderFeed<BroadcastChannelStartOptions> {
  private channel: FeedChannel | undefined;
  private channelName = '';
  private readonly claimWindowMs: number;
  private readonly createChannel: (name: string) => FeedChannel;
  private readonly tokenStoreOption: TokenStore | null | undefined;
  private tokenStore: TokenStore | null = null;
  private maxToken = 0;
  /** The leadership with the largest token heard of (a heartbeat, hand-over or resignation; its own). */
  private largestLed: LeaderRecord | undefined;
  /** The leadership last heard of, and when (this feed's clock). */
  private heard: (LeaderRecord & { at: number }) | undefined;
  /** Claims in their window (this feed's own, or for the feed it elects); at most one unbeaten. */
  private readonly claims = new Set<Claim>();
  /** When this feed last started listening (its clock): what it heard before may be out of date. */
  private listeningSince = Number.NEGATIVE_INFINITY;
  /** When this feed last heard of a leadership (a heartbeat, hand-over or resignation of another). */
  private leadershipHeardAt = Number.NEGATIVE_INFINITY;

  constructor(options: BroadcastChannelLeaderFeedOptions = {}) {
    super(options);
    this.claimWindowMs = options.claimWindowMs ?? this.timing.heartbeatIntervalMs / 5;
    this.createChannel = options.createChannel ?? ((name) => new BroadcastChannel(name));
    this.tokenStoreOption = options.tokenStore;
  }

  protected _start(opts: BroadcastChannelStartOptions | undefined): void {
    this.channelName = opts?.channel ?? 'webraft-leaderfeed';
    this.tokenStore =
      this.tokenStoreOption === undefined ? defaultTokenStore(this.channelName) : this.tokenStoreOption;
  }

  protected _create(): void {}

  protected _subscribe(): void {
    const channel = this.createChannel(this.channelName);
    channel.onmessage = (event: MessageEvent) => {
      if (isFeedMessage(event.data)) this.receive(event.data);
    };
    channel.onmessageerror = (event: MessageEvent) => this._subscribeError(event);
    this.channel = channel;
    this.listeningSince = this.clock.now();
  }

  protected _unsubscribe(): void {
    this.channel?.close();
    this.channel = undefined;
    // What this channel would have delivered is lost: no claim of it may go on.
    for (const claim of this.claims) this.beat(claim, null);
    this.claims.clear();
  }

  /**
   * Only a feed that has listened for a whole lease can tell that no lease is live: a leader stalled
   * since before this feed started sends nothing, yet may lead for up to a lease (an eager `elect()`
   * on a fresh tab must wait as a natural election does). Waited before the lease of a claim counts.
   */
  protected override async _untilReady(): Promise<void> {
    // Having heard a leadership since (a heartbeat, hand-over or resignation) is as good: no other lease
    // can be live beside that one, and a later one's claim is heard.
    if (this.leadershipHeardAt >= this.listeningSince) return;
    const listened = this.clock.now() - this.listeningSince;
    if (listened < this.leaseMs) await this.wait(this.leaseMs - listened);
  }

  protected async _elect(id: string): Promise<LeaderRecord | null> {
    await this._untilReady(); // done already for a campaign; not for an `elect(id)` of another
    if (this.channel === undefined) return null;
    const live = this.liveLeader();
    if (live && live.leaderId !== this.id) return live;
    if (id !== this.id && live) {
      // This feed led until now (`elect(id)` stepped it down): a hand-over, no rival can hold a lease.
      return this.handOver({ leaderId: id, token: this.nextToken() });
    }
    // Nobody leads: claim the next token for `id` (this feed, or the one it elects), settled on the
    // channel as every claim is, so two `elect` calls, or one and a natural election, leave one leader.
    const claim = await this.runClaim(id, this.nextToken());
    if (claim.beaten || this.channel === undefined) return claim.beatenBy;
    const record = { leaderId: id, token: claim.token };
    if (id !== this.id) return this.handOver(record);
    this.post({ type: 'heartbeat', ...record });
    this.hear(record);
    return record;
  }

  /**
   * Claims `token` for `id` and waits out the claim window: the claim is beaten by a rival claim that
   * outranks it, a live leader's heartbeat, or a stale answer. A window that ran over (a stalled tab)
   * may have messages queued behind it: it waits one more.
   */
  private async runClaim(id: string, token: number): Promise<Claim> {
    const claim: Claim = { id, token, beaten: false, beatenBy: null };
    // This feed's claims settle among themselves as rivals' do: one at most goes on.
    for (const other of this.claims) this.beat(outranks(claim, other) ? other : claim, null);
    this.claims.add(claim);
    this.post({ type: 'claim', id, token });
    for (let from = this.clock.now(); ; ) {
      await this.wait(this.claimWindowMs);
      if (claim.beaten || this.clock.now() - from <= this.claimWindowMs * 1.5) break;
      from = this.clock.now();
    }
    this.claims.delete(claim);
    return claim;
  }

  /**
   * A hand-over to this feed is claimed before it is taken: it may have waited in a stalled tab's queue
   * while the others, hearing no heartbeat of this feed, elected another under a larger token.
   */
  private async confirmHandOver(record: LeaderRecord): Promise<void> {
    const claim = await this.runClaim(record.leaderId, record.token);
    if (!claim.beaten && this.channel !== undefined) this._receiveRecord(record);
  }

  /** Names `record.leaderId` leader under `record.token`; it leads once its own heartbeat goes out. */
  private handOver(record: LeaderRecord): LeaderRecord {
    this.post({ type: 'handover', ...record });
    this.hear(record);
    return record;
  }

  /** The next token to claim or hand over: above every one heard of and the store's floor, stored first. */
  private nextToken(): number {
    this.maxToken = Math.max(this.maxToken, this.tokenStore?.read() ?? 0) + 1;
    this.tokenStore?.write(this.maxToken);
    return this.maxToken;
  }

  protected _heartbeat(token: number): boolean {
    // A newer leadership, or any larger token, heard of or stored (a claim whose messages were all
    // lost, its claimant gone): this one may be spent, and a fenced resource may refuse it for good.
    if (this.maxToken > token || (this.tokenStore?.read() ?? 0) > token) return false;
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
    if (m.type !== 'claim' && m.type !== 'stale') this.leadershipHeardAt = this.clock.now();
    switch (m.type) {
      case 'claim': {
        for (const mine of this.claims) {
          // A rival claim is no leadership yet (it may lose in turn, or name this very feed): none to report.
          if (outranks(m, mine)) this.beat(mine, null);
        }
        if (own !== undefined) {
          // A leader answers a claim at once: a smaller token is told the leader is alive; a token at
          // least its own may lead if the answer is late, so the leader claims again, above it.
          if (m.token < own) this._heartbeat(own);
          else this.claimAgain();
        } else if (this.isStale(m.id, m.token, largestBefore)) {
          this.post({ type: 'stale', id: m.id, token: largestBefore, of: m.token });
        }
        return;
      }
      case 'heartbeat':
      case 'handover': {
        if (m.leaderId !== this.id) for (const mine of this.claims) this.beat(mine, recordOf(m));
        if (m.leaderId !== this.id && this.isStale(m.leaderId, m.token, largestBefore)) {
          this.post({ type: 'stale', id: m.leaderId, token: largestBefore, of: m.token });
        }
        // The same token led by another (a claim answered too late): neither may go on under it.
        if (own !== undefined && m.token === own && m.leaderId !== this.id) this._leadershipEnded();
        this.hear(recordOf(m));
        if (m.type === 'handover' && m.leaderId === this.id) {
          if (m.token >= largestBefore) void this.confirmHandOver(recordOf(m));
        } else this._receiveRecord(recordOf(m));
        return;
      }
      case 'resign':
        this.noteLed(recordOf(m));
        if (own !== undefined && m.token > own) this.claimAgain();
        if (this.heard?.token === m.token) this.heard = undefined;
        this._receiveRecord(null);
        return;
      case 'stale': {
        // A larger token, or this very token already led by another (`m.id` is the one told).
        // (An answer about an older claim of `id` must not spend its newer one under `m.token`.)
        const spent = (id: string, token: number) => token < m.token || (m.id === id && m.of === token);
        for (const mine of this.claims) if (spent(mine.id, mine.token)) this.beat(mine, null);
        if (own !== undefined && spent(this.id, own)) this.claimAgain();
        return;
      }
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

  /**
   * Whether `id` claiming or leading under `token` is stale to this feed: a larger token was heard
   * of, or `token` was already led by another (a fresh feed that missed the counter's last step, while
   * the feed that led under it is gone: the equal token must not lead twice).
   */
  private isStale(id: string, token: number, largestBefore: number): boolean {
    const led = this.largestLed;
    return token < largestBefore || (led !== undefined && token === led.token && id !== led.leaderId);
  }

  private noteLed(record: LeaderRecord): void {
    if (!this.largestLed || record.token > this.largestLed.token) this.largestLed = recordOf(record);
  }

  private hear(record: LeaderRecord): void {
    this.noteLed(record);
    if (this.heard && record.token < this.heard.token) return;
    this.heard = { ...record, at: this.clock.now() };
  }

  /** The leadership heard of within the last lease, if any. */
  private liveLeader(): LeaderRecord | null {
    const h = this.heard;
    return h && this.clock.now() - h.at < this.leaseMs ? recordOf(h) : null;
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => this.clock.setTimer(ms, resolve));
  }

  private post(message: FeedMessage): void {
    this.channel?.postMessage(message);
  }
}
