import type { Clock } from '@webraft/core';
import type { LeaderRecord } from '../types.js';

interface StoredRecord extends LeaderRecord {
  /** In the store's time: after this the leadership is free. */
  expiresAt: number;
}

type Listener = (record: LeaderRecord | null) => void;

/**
 * The shared backend of `MemoryLeaderFeed`s: one leader record with an expiry on the store's clock and
 * a token counter, updated atomically (as a Redis script would), and published to every subscriber.
 */
export class MemoryFeedStore {
  private record: StoredRecord | null = null;
  private lastToken = 0;
  private readonly listeners = new Set<Listener>();

  constructor(readonly clock: Clock) {}

  /** The current leadership, while its lease is live. */
  current(): LeaderRecord | null {
    const r = this.record;
    return r && this.clock.now() < r.expiresAt ? { leaderId: r.leaderId, token: r.token } : null;
  }

  /** Grants `id` a new token unless a live leadership other than `requester`'s holds the lease. */
  elect(requester: string, id: string, leaseMs: number): LeaderRecord | null {
    const live = this.current();
    if (live && live.leaderId !== requester) return live;
    this.lastToken++;
    this.record = { leaderId: id, token: this.lastToken, expiresAt: this.clock.now() + leaseMs };
    this.publish({ leaderId: id, token: this.lastToken });
    return { leaderId: id, token: this.lastToken };
  }

  /** Renews (`id`, `token`)'s lease when it is still the stored leadership. */
  heartbeat(id: string, token: number, leaseMs: number): boolean {
    const r = this.record;
    if (!r || r.leaderId !== id || r.token !== token) return false;
    r.expiresAt = this.clock.now() + leaseMs;
    this.publish({ leaderId: id, token });
    return true;
  }

  resign(id: string, token: number): void {
    const r = this.record;
    if (!r || r.leaderId !== id || r.token !== token) return;
    this.record = null;
    this.publish(null);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private publish(record: LeaderRecord | null): void {
    for (const listener of this.listeners) listener(record);
  }
}
