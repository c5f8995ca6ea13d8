import { LeaderFeed, type LeaderFeedOptions } from '../leader-feed.js';
import type { LeaderRecord } from '../types.js';
import type { MemoryFeedStore } from './memory-feed-store.js';

/**
 * How a `MemoryLeaderFeed` reaches its store: by default at once, in tests through a link that
 * delays, drops or cuts requests, answers and published records.
 */
export interface MemoryFeedLink {
  /** Carries a request to the store and its answer back; rejects when either is lost. */
  request<T>(apply: () => T): Promise<T>;
  /** Carries a published record to the feed (or loses it). */
  deliver(notify: () => void): void;
}

const directLink: MemoryFeedLink = {
  request: async (apply) => apply(),
  deliver: (notify) => queueMicrotask(notify),
};

export interface MemoryLeaderFeedOptions extends LeaderFeedOptions {
  link?: MemoryFeedLink;
}

/** A feed on a `MemoryFeedStore` in this process: for tests, and for the simulator's fault runs. */
export class MemoryLeaderFeed extends LeaderFeed<void> {
  private readonly link: MemoryFeedLink;
  private unsubscribe: (() => void) | undefined;

  constructor(
    readonly store: MemoryFeedStore,
    options: MemoryLeaderFeedOptions = {},
  ) {
    super(options);
    this.link = options.link ?? directLink;
  }

  protected _start(): void {}

  protected _create(): void {}

  protected _subscribe(): void {
    this.unsubscribe = this.store.subscribe((record) => this.link.deliver(() => this._receiveRecord(record)));
  }

  protected _unsubscribe(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  protected _elect(id: string): Promise<LeaderRecord | null> {
    return this.link.request(() => this.store.elect(this.id, id, this.leaseMs));
  }

  protected _heartbeat(token: number): Promise<boolean> {
    return this.link.request(() => this.store.heartbeat(this.id, token, this.leaseMs));
  }

  protected override _resign(token: number): Promise<void> {
    return this.link.request(() => this.store.resign(this.id, token));
  }
}
