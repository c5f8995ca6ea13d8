export { adoptIdentity } from './adopt.js';
export { claimTabIdentity, replaceLostIdentity } from './claim.js';
export type { TabEnvironmentOptions } from './environment.js';
export { TabIdentityError, type TabIdentityErrorCode } from './errors.js';
export type { TabIdentity, TabIdentityOptions } from './identity.js';
export { type ListedIdentity, type ListIdentitiesOptions, listIdentities } from './list.js';
export { KEY_PREFIX } from './names.js';
export { RecordUsageMarker } from './usage.js';
