import { StorageError, StorageQuotaError } from '@webraft/core';

interface StorageManagerLike {
  estimate?(): Promise<{ usage?: number; quota?: number }>;
}

/** The origin's usage and quota from `navigator.storage.estimate()`, where the platform has it. */
export async function estimateUsage(): Promise<{ bytesInUse?: number; quota?: number }> {
  const storage = (globalThis as { navigator?: { storage?: StorageManagerLike } }).navigator?.storage;
  try {
    const estimate = await storage?.estimate?.();
    return estimate ? { bytesInUse: estimate.usage, quota: estimate.quota } : {};
  } catch {
    return {}; // an estimate is a detail of the error, never a second failure
  }
}

/**
 * What an IndexedDB failure means for the node (the codes are documented in @webraft/core's errors):
 * - `QuotaExceededError`: `StorageQuotaError` (fatal), with the bytes in use where the browser says;
 * - `DataCloneError`: the batch holds something IndexedDB cannot store: `INVALID_BATCH` (fatal);
 * - `InvalidStateError`: the connection is closing or closed: `CLOSED` (transient: reopen);
 * - `VersionError`: a newer version of this package upgraded the database: fatal, reload the page;
 * - anything else (`AbortError`, `UnknownError`, an I/O failure): `IO` (transient: retried).
 */
export async function toStorageError(cause: unknown, what: string): Promise<StorageError> {
  if (cause instanceof StorageError) return cause;
  const name = (cause as { name?: unknown } | null)?.name;
  const detail = cause instanceof Error || isDomException(cause) ? (cause as Error).message : String(cause);
  switch (name) {
    case 'QuotaExceededError': {
      const usage = await estimateUsage();
      const inUse =
        usage.bytesInUse === undefined ? '' : ` (${usage.bytesInUse} bytes in use of ${usage.quota ?? '?'})`;
      return new StorageQuotaError(`${what}: the storage quota is exhausted${inUse}: ${detail}`, usage, {
        cause,
      });
    }
    case 'DataCloneError':
      return new StorageError(`${what}: the batch cannot be stored: ${detail}`, 'INVALID_BATCH', { cause });
    case 'InvalidStateError':
      return new StorageError(`${what}: the connection closed: ${detail}`, 'CLOSED', { cause });
    case 'VersionError':
      return new StorageError(
        `${what}: the database was upgraded by a newer version of @webraft/storage-indexeddb: ${detail}`,
        'IO',
        { cause, fatal: true },
      );
    default:
      return new StorageError(`${what} failed: ${String(name ?? 'Error')}: ${detail}`, 'IO', { cause });
  }
}

function isDomException(value: unknown): boolean {
  return typeof DOMException !== 'undefined' && value instanceof DOMException;
}
