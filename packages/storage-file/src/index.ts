export { FileStorage, type FileStorageOptions } from './file-storage.js';
export { MAGIC, MAX_RECORD_BYTES } from './wal-format.js';
