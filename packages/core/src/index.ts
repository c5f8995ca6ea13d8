export { RaftInterface, type RaftOptions } from './api/raft-interface.js';
export {
  ApplicationError,
  ConfigurationError,
  FATAL_STORAGE_CODES,
  InvalidCommandError,
  InvalidMessageError,
  NodeStoppedError,
  OutcomeUnknownError,
  ProposalRefusedError,
  RaftError,
  StorageCorruptError,
  StorageError,
  type StorageErrorCode,
  StorageLostError,
  StorageQuotaError,
  TransportError,
  type TransportErrorCode,
} from './errors.js';
export { addressProblem } from './protocol/address.js';
export { type RaftConfig, RaftCore, type RaftInit, type RaftStatus, type Ready } from './protocol/raft.js';
export type * from './protocol/types.js';
export { DEFAULT_MESSAGE_LIMITS, type MessageLimits, validateMessage } from './protocol/validate.js';
export { type Clock, type RandomSource, seededRandom, systemClock } from './runtime/clock.js';
export type { AppliedEntry, RaftEventName, RaftEvents } from './runtime/events.js';
export type { RaftTiming, RaftTuning, StateMachine } from './runtime/options.js';
export { DEFAULT_TIMING, DEFAULT_TUNING } from './runtime/options.js';
export type { AbortSignalLike, ProposeResult } from './runtime/pending.js';
export { RaftNode, type RaftNodeOptions } from './runtime/raft-node.js';
export { applyPlan, type StoredImage } from './storage/apply-plan.js';
export { checkStorageNames } from './storage/check-node-key.js';
export { MemoryStorage } from './storage/memory.js';
export { type PersistPlan, planPersist } from './storage/plan-persist.js';
export {
  checkEntryRecord,
  checkHardStateRecord,
  checkLoadedState,
  checkSnapshotRecord,
} from './storage/record-checks.js';
export { StoredLog } from './storage/stored-log.js';
export type { PersistBatch, PersistedState, RaftStorage } from './storage/types.js';
export { refuseLostStorage, type UsageMarker } from './storage/usage-marker.js';
export { type MemoryDelivery, MemoryNetwork, type MemoryNetworkOptions } from './transport/memory.js';
export { PeerListeners } from './transport/peer-listeners.js';
export { type MessageSink, NodeInstance, type Transport } from './transport/types.js';
