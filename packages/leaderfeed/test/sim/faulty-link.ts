import type { RandomSource } from '@webraft/core';
import { TransportError } from '@webraft/core';
import type { VirtualClock } from '@webraft/core/testing';
import type { MemoryFeedLink } from '../../src/index.js';
import type { FeedClock } from './feed-clock.js';

export interface LinkFaults {
  /** Largest one-way delay, ms of true time. */
  maxLatencyMs: number;
  /** Probability that a request, an answer or a published record is lost. */
  lossRate: number;
}

/**
 * A feed's path to the memory store in the simulator: every request, answer and published record
 * travels with a random delay, may be lost, and is lost while the link is cut. Whatever arrives at the
 * feed is run by the feed's own clock (so a frozen feed sees it late).
 */
export class FaultyLink implements MemoryFeedLink {
  private cutUntil = 0;

  constructor(
    private readonly base: VirtualClock,
    private readonly feedClock: FeedClock,
    private readonly random: RandomSource,
    private readonly faults: LinkFaults,
  ) {}

  /** Cuts the link for `ms` of true time: everything sent meanwhile is lost. */
  cut(ms: number): void {
    this.cutUntil = Math.max(this.cutUntil, this.base.now() + ms);
  }

  request<T>(apply: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const lost = () =>
        this.feedClock.setTimer(this.faults.maxLatencyMs * 2, () => reject(new TransportError('lost')));
      if (this.isLost()) return void lost();
      this.base.setTimer(this.delay(), () => {
        const result = apply();
        if (this.isLost()) return void lost();
        this.base.setTimer(this.delay(), () => this.feedClock.setTimer(0, () => resolve(result)));
      });
    });
  }

  deliver(notify: () => void): void {
    if (this.isLost()) return;
    this.base.setTimer(this.delay(), () => {
      if (this.base.now() < this.cutUntil) return;
      this.feedClock.setTimer(0, notify);
    });
  }

  private isLost(): boolean {
    return this.base.now() < this.cutUntil || this.random() < this.faults.lossRate;
  }

  private delay(): number {
    return this.random() * this.faults.maxLatencyMs;
  }
}
