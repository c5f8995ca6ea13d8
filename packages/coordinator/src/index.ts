export { ClusterPeerDirectory, type PeerMapValue, peerMapDocument } from './cluster-peer-directory.js';
export {
  ALL,
  COMMIT_LEVELS,
  type CommitLevel,
  isCommitLevel,
  ONE,
  QUORUM,
  requiredReplicas,
} from './commit-level.js';
export { Coordinator, type CoordinatorEvents, type PutCallback } from './coordinator.js';
export {
  CoordinatorOptionsError,
  InvalidArgumentError,
  NoPeerClientError,
  NotEnoughPeersError,
  ReplicationFailedError,
} from './errors.js';
export { generateKey } from './keygen.js';
export type { AllDataStorage } from './local-storage.js';
export type { CoordinatorOptions, Location, ReplicationStrategy } from './options.js';
export {
  AllDataPeer,
  type AllDataPeerEvents,
  type AllDataPeerOptions,
  addressOf,
} from './peer/alldata-peer.js';
export { PeerClosedError, PeerGoneError, PeerTimeoutError, RemotePutError } from './peer/errors.js';
export {
  type AckMessage,
  checkPeerMessage,
  MAX_KEY_CHARS,
  type PeerMessage,
  type PutMessage,
} from './peer/messages.js';
export {
  classify,
  LocalPeerDirectory,
  type Peer,
  type PeerClass,
  type PeerDirectory,
  type PeerEntry,
  type PeerLocation,
} from './peer-directory.js';
export {
  type Placed,
  type PlacementPolicy,
  type PlacementView,
  placementView,
  placeReplicas,
  type ReplicaRole,
} from './placement.js';
export { LOCAL_REPLICA, type PutAck, type PutReport, type ReplicaReport } from './put-report.js';
export { IndexedDbAllDataStorage, type IndexedDbAllDataStorageOptions } from './storage/indexeddb-storage.js';
export { MemoryAllDataStorage } from './storage/memory-storage.js';
export { encodeEvent, KeyExistsError } from './storage/write-once.js';
