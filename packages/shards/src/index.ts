export { type BlobStore, MemoryBlobStore, type PutMode, sameBytes } from './blob-store.js';
export {
  checkEntry,
  fileNameProblem,
  ID_PATTERN,
  MAX_LEASE_MS,
  type RegistryCommand,
  type RegistryEntry,
} from './commands.js';
export { ShardCoordinator, type ShardCoordinatorOptions } from './coordinator.js';
export { DIGEST_PATTERN, type Digest, sha256Hex } from './digest.js';
export {
  BlobStoreError,
  type BlobStoreErrorCode,
  FileNotFoundError,
  InvalidArgumentError,
  NoShardAvailableError,
  RegistryError,
  type RegistryErrorCode,
  type RegistryRefusal,
} from './errors.js';
export {
  prometheusText,
  type RegistryStatus,
  registryStatus,
  type ShardCounters,
  shardCounters,
} from './metrics.js';
export { compareIds, placeUpload } from './placement.js';
export {
  RegistryClient,
  type RegistryClientOptions,
  type RegistryNode,
  type TimeSource,
} from './registry-client.js';
export { type RegistryListener, type RegistryView, ShardRegistry } from './registry-machine.js';
export {
  type FileRecord,
  type RegistryResult,
  type RegistrySnapshot,
  RegistryState,
  retryDelayMs,
  type ServerRecord,
  type ShardCounterValues,
  type ShardRecord,
  type TaskRecord,
} from './registry-state.js';
export { claimableTasks, ShardReplicator, type ShardReplicatorOptions } from './replicator.js';
export { parseSize } from './size.js';
