/** The lifecycle of a feed, as in the seed. */
export type LeaderFeedStatus = 'started' | 'starting' | 'stopping' | 'stopped';

/** A feed's role: every feed starts as a follower. */
export type LeaderFeedState = 'leader' | 'follower';

/**
 * The leader record a backend stores and publishes: who leads, under which fencing token. A token is
 * given to exactly one leadership and tokens only grow, so a resource that remembers the highest token
 * it has seen can refuse a stale leader.
 */
export interface LeaderRecord {
  leaderId: string;
  token: number;
}

/** The events of a feed (nanoevents; `feed.on(name, listener)` returns the unsubscribe function). */
export interface LeaderFeedEvents {
  /** The feed became leader (with its token) or follower (token undefined). */
  'new state': (state: LeaderFeedState, token: number | undefined) => void;
  /** A leadership not seen before, this feed's own included. */
  'new leader': (leaderId: string, token: number) => void;
  /** A backend-specific change other than the leader record. */
  change: (change: unknown) => void;
  'subscribe started': () => void;
  /** The subscription failed after it started: the feed is a follower until it sees the feed again. */
  'subscribe error': (error: unknown) => void;
  /** A heartbeat failed or was refused: the feed stepped down. */
  'heartbeat error': (error: unknown) => void;
}

/** A seed-style callback: the error, or nothing and the result. */
export type Callback<T> = (error: unknown, result?: T) => void;
