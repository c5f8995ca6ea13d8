import { RaftError } from '@webraft/core';

/**
 * This feed lost its leadership: its lease ran out before a heartbeat renewed it (`LEASE_EXPIRED`), or
 * the backend refused the heartbeat because another leadership replaced it (`SUPERSEDED`). Given with
 * `heartbeat error`; the feed is already a follower.
 */
export class LeadershipLostError extends RaftError {
  override name = 'LeadershipLostError';
  constructor(
    code: 'LEASE_EXPIRED' | 'SUPERSEDED',
    readonly token: number,
  ) {
    super(
      code,
      code === 'LEASE_EXPIRED'
        ? `the lease of leadership ${token} ran out before a heartbeat renewed it`
        : `leadership ${token} was replaced by another`,
    );
  }
}

/** `start()` on a feed that is not stopped, or `elect()` on one that is not started. */
export class FeedStateError extends RaftError {
  override name = 'FeedStateError';
  constructor(message: string) {
    super('FEED_STATE', message);
  }
}
