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
export type { AllDataStorage } from './local-storage.js';
export type { CoordinatorOptions, Location, ReplicationStrategy } from './options.js';
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
