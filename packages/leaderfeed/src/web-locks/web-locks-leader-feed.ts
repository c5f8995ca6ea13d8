import { ConfigurationError } from '@webraft/core';
import { type FeedMessage, isFeedMessage, recordOf } from '../broadcast-channel/messages.js';
import { LeaderFeed, type LeaderFeedOptions } from '../leader-feed.js';
import type { LeaderRecord } from '../types.js';
import { acquireLock, type HeldLock } from './held-lock.js';
import { IndexedDbTokenCounter, type TokenCounter } from './token-counter.js';

export interface WebLocksLeaderFeedOptions extends LeaderFeedOptions {
  /** The lock manager: `navigator.locks` by default. */
  locks?: LockManager;
  /** Where tokens are committed: an `IndexedDbTokenCounter` named after the feed by default. */
  counter?: TokenCounter;
}

export interface WebLocksStartOptions {
  /** The feed's name: the lock's, the BroadcastChannel's and (by default) the counter database's. */
  name: string;
}

/** What a follower's refused campaign reports through `change`: the lock is held by another tab. */
export interface LockBusyChange {
  type: 'lock busy';
}

/**
 * Leadership is the exclusive Web Lock `name`: the browser grants it to one tab at a time, and keeps it
 * for a throttled or frozen holder, so no second leader can start while the first still believes it
 * leads. Each leadership's token is committed to the counter while the lock is held (see
 * `IndexedDbTokenCounter` for why that is safe). The other tabs learn the leader, and its resignation,
 * over a BroadcastChannel of the same name; a follower that hears nothing for an election timeout tries
 * the lock (`ifAvailable`, never queued), which frees on the holder's stop, close or crash.
 */
export class WebLocksLeaderFeed extends LeaderFeed<WebLocksStartOptions> {
  private readonly locksOption: LockManager | undefined;
  private readonly counterOption: TokenCounter | undefined;
  private locks: LockManager | undefined;
  private counter: TokenCounter | undefined;
  private name = '';
  private channel: BroadcastChannel | undefined;
  private held: { lock: HeldLock; token: number } | undefined;
  private maxToken = 0;
  private heard: LeaderRecord | undefined;
  /** This feed's last release of the lock, until the lock manager has freed it. */
  private releasing: Promise<void> = Promise.resolve();

  constructor(options: WebLocksLeaderFeedOptions = {}) {
    super(options);
    this.locksOption = options.locks;
    this.counterOption = options.counter;
    // A feed that is no longer leader (lease out, stop, hand-over) frees the lock at once.
    this.on('new state', (state) => {
      if (state === 'follower') this.releaseHeld();
    });
  }

  protected _start(opts: WebLocksStartOptions | undefined): void {
    const locks = this.locksOption ?? (globalThis.navigator as Navigator | undefined)?.locks;
    if (!locks) {
      throw new ConfigurationError('Web Locks are not available here: use BroadcastChannelLeaderFeed');
    }
    if (opts?.name !== undefined && (typeof opts.name !== 'string' || opts.name === '')) {
      throw new ConfigurationError('name must be a non-empty string');
    }
    this.name = opts?.name ?? 'webraft-leaderfeed';
    this.locks = locks;
    this.counter = this.counterOption ?? new IndexedDbTokenCounter(`webraft-leaderfeed:${this.name}`);
  }

  protected _create(): void {}

  protected _subscribe(): void {
    const channel = new BroadcastChannel(this.name);
    channel.onmessage = (event: MessageEvent) => {
      if (isFeedMessage(event.data)) this.receive(event.data);
    };
    channel.onmessageerror = (event: MessageEvent) => this._subscribeError(event);
    this.channel = channel;
  }

  protected _unsubscribe(): void {
    this.releaseHeld();
    this.channel?.close();
    this.channel = undefined;
  }

  protected async _elect(id: string): Promise<LeaderRecord | null> {
    await this.releasing; // a hand-over right after stepping down: the lock is being freed
    const lock = await acquireLock(this.locks!, this.name);
    if (!lock) {
      this._emitChange({ type: 'lock busy' } satisfies LockBusyChange);
      return this.heard ?? null;
    }
    let token: number;
    try {
      token = await this.counter!.next(this.maxToken);
    } catch (error) {
      lock.release();
      throw error;
    }
    this.maxToken = token;
    const record = { leaderId: id, token };
    if (id !== this.id) {
      // A hand-over: the token is committed for `id`, which takes the lock when it claims it.
      await lock.release();
      this.post({ type: 'handover', ...record });
      return record;
    }
    this.hold(lock, token);
    return record;
  }

  protected async _heartbeat(token: number): Promise<boolean> {
    if (this.held === undefined) return this.takeHandedOver(token);
    if (this.held.token !== token || this.held.lock.lost) return false;
    this.post({ type: 'heartbeat', leaderId: this.id, token });
    return true;
  }

  protected override async _resign(token: number): Promise<void> {
    // Freed before the others hear of it, so their first try of the lock finds it free.
    if (this.held?.token === token) this.releaseHeld();
    await this.releasing;
    this.post({ type: 'resign', leaderId: this.id, token });
  }

  /** Leads under a handed-over token if the lock is free and the counter still ends at that token. */
  private async takeHandedOver(token: number): Promise<boolean> {
    const lock = await acquireLock(this.locks!, this.name);
    if (!lock) return false;
    try {
      if ((await this.counter!.read()) !== token) {
        lock.release();
        return false;
      }
    } catch (error) {
      lock.release();
      throw error;
    }
    this.hold(lock, token);
    return true;
  }

  /** Keeps `lock` for leadership `token` and tells the other tabs. */
  private hold(lock: HeldLock, token: number): void {
    this.held = { lock, token };
    this.heard = { leaderId: this.id, token };
    this.post({ type: 'heartbeat', leaderId: this.id, token });
    // The base class may not take the grant (stopped meanwhile, or the answer came past the lease):
    // then nothing may keep the lock.
    this.clock.setTimer(0, () => {
      if (this.held?.token === token && this.token !== token) this.releaseHeld();
    });
  }

  private receive(m: FeedMessage): void {
    this.maxToken = Math.max(this.maxToken, m.token);
    if (m.type === 'claim' || m.type === 'stale') return; // not part of this backend's protocol
    if (m.type === 'resign') {
      if (this.heard?.token === m.token) this.heard = undefined;
      this._receiveRecord(null);
      return;
    }
    const record = recordOf(m);
    if (!this.heard || record.token >= this.heard.token) this.heard = record;
    this._receiveRecord(record);
  }

  private releaseHeld(): void {
    if (this.held) this.releasing = this.held.lock.release();
    this.held = undefined;
  }

  private post(message: FeedMessage): void {
    this.channel?.postMessage(message);
  }
}
