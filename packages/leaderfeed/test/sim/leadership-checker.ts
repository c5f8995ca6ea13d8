import type { LeaderFeed } from '../../src/index.js';

/**
 * The safety properties, checked at every instant of a run: at most one feed believes it leads (its
 * lease live on its own clock) at any true time, and each token belongs to one leadership, later
 * leaderships having larger tokens.
 */
export class LeadershipChecker {
  private readonly tokenOwner = new Map<number, string>();
  private lastToken = 0;
  leaderships = 0;
  /** Violations seen by the listeners (a listener must not throw into the feed): `check` reports them. */
  private readonly violations: string[] = [];

  private readonly feeds: LeaderFeed[] = [];

  constructor(feeds: readonly LeaderFeed[]) {
    for (const feed of feeds) this.watch(feed);
  }

  /** Checks `feed` too from now on (a feed made for a restarted process). */
  watch(feed: LeaderFeed): void {
    this.feeds.push(feed);
    feed.on('new state', (state, token) => {
      if (state !== 'leader' || token === undefined) return;
      this.leaderships++;
      const owner = this.tokenOwner.get(token);
      if (owner !== undefined)
        this.violations.push(`token ${token} given to ${owner} and again to ${feed.id}`);
      if (token <= this.lastToken)
        this.violations.push(`token ${token} for ${feed.id} after token ${this.lastToken}`);
      this.tokenOwner.set(token, feed.id);
      this.lastToken = token;
    });
  }

  check(): void {
    if (this.violations.length > 0) throw new Error(this.violations.join('; '));
    const leaders = this.feeds.filter((f) => f.isLeader);
    if (leaders.length > 1) {
      throw new Error(`two leaders at once: ${leaders.map((f) => `${f.id} (token ${f.token})`).join(', ')}`);
    }
  }
}
