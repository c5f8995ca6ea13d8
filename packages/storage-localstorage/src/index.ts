export { HEAD_VERSION } from './head.js';
export { KEY_PREFIX, nodePrefix } from './keys.js';
export { MAX_SEGMENT_CHARS, MAX_SEGMENT_ENTRIES, MERGE_FANOUT } from './layout.js';
export { LocalStorageStorage, type LocalStorageStorageOptions } from './localstorage-storage.js';
