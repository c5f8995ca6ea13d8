export {
  BroadcastChannelLeaderFeed,
  type BroadcastChannelLeaderFeedOptions,
  type BroadcastChannelStartOptions,
  type FeedChannel,
} from './broadcast-channel/broadcast-channel-leader-feed.js';
export {
  LocalStorageTokenStore,
  type TokenStorage,
  type TokenStore,
} from './broadcast-channel/token-store.js';
export { DeadlineTimer } from './deadline-timer.js';
export { FeedStateError, LeadershipLostError } from './errors.js';
export { LeaderFeed, type LeaderFeedOptions } from './leader-feed.js';
export { MemoryFeedStore } from './memory/memory-feed-store.js';
export {
  type MemoryFeedLink,
  MemoryLeaderFeed,
  type MemoryLeaderFeedOptions,
} from './memory/memory-leader-feed.js';
export {
  DEFAULT_ELECTION_TIMEOUT_MIN_MS,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  type LeaderFeedTimingOptions,
  resolveTiming,
} from './options.js';
export { RaftLeaderFeed, type RaftLeaderFeedOptions } from './raft/raft-leader-feed.js';
export {
  RedisLeaderFeed,
  type RedisLike,
  type RedisStartOptions,
  type RedisSubscriberLike,
} from './redis/redis-leader-feed.js';
export type { Callback, LeaderFeedEvents, LeaderFeedState, LeaderFeedStatus, LeaderRecord } from './types.js';
export { IndexedDbTokenCounter, MemoryTokenCounter, type TokenCounter } from './web-locks/token-counter.js';
export {
  type LockBusyChange,
  WebLocksLeaderFeed,
  type WebLocksLeaderFeedOptions,
  type WebLocksStartOptions,
} from './web-locks/web-locks-leader-feed.js';
