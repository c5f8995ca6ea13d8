export { DATABASE_PREFIX, databaseName } from './database-name.js';
export { IndexedDbStorage, type IndexedDbStorageOptions } from './indexeddb-storage.js';
export { DEFAULT_SNAPSHOT_CHUNK_CHARS, MAX_SEGMENT_ENTRIES, SCHEMA_VERSION } from './schema.js';
export type { Durability } from './transaction.js';
