export { auditStore } from './audit.js';
export { InvalidExchangeError, ReplicatorError } from './errors.js';
export { MAX_CLOCK } from './limits.js';
export { ExchangeLink } from './link.js';
export {
  type ChangedHint,
  type ExchangeMessage,
  type PullAnswer,
  type PullRequest,
  validateExchange,
  type WireRecord,
} from './messages.js';
export { DEFAULT_PAGE_RECORDS, Replica } from './replica.js';
export {
  type RangeOptions,
  ReplicatedDb,
  type ReplicatedEvents,
  type ReplicateOptions,
  replicate,
  type SyncReport,
} from './replicate.js';
export { type Level, type LogEntry, ReplicaStore, SUBLEVELS, seqKey, type WriteOp } from './store.js';
export { largerWriterWins, type Resolver, remoteWins, type Version } from './version.js';
