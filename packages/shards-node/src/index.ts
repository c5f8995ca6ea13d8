export { type AdminCommand, adminCall } from './admin-commands.js';
export { type CoordinatorHttpContext, coordinatorHandler } from './coordinator-http.js';
export {
  type CoordinatorMember,
  type CoordinatorMemberOptions,
  startCoordinatorMember,
} from './coordinator-member.js';
export { HttpBlobStore, type HttpBlobStoreOptions } from './http-blob-store.js';
export { type StorageServer, type StorageServerOptions, startStorageServer } from './storage-server.js';
