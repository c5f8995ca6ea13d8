export { adoptIdentity } from './adopt.js';
export { claimTabIdentity, replaceLostIdentity } from './claim.js';
export type { ClusterRecord } from './cluster-record.js';
export type { TabEnvironmentOptions } from './environment.js';
export { TabIdentityError, type TabIdentityErrorCode } from './errors.js';
export type { VisibilitySource } from './handoff.js';
export type { TabIdentity, TabIdentityOptions } from './identity.js';
export { type ListedIdentity, type ListIdentitiesOptions, listIdentities } from './list.js';
export { KEY_PREFIX } from './names.js';
export {
  startTabCluster,
  TAB_MEMBER_TIMEOUT_MS,
  type TabCluster,
  type TabClusterOptions,
} from './tab-cluster.js';
export { RecordUsageMarker } from './usage.js';
