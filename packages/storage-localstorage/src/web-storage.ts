import { ConfigurationError, StorageError, StorageQuotaError } from '@webraft/core';

/** The global `localStorage`, or a typed error where there is none (Node, a worker, storage disabled). */
export function defaultStorage(): Storage {
  let storage: Storage | undefined;
  try {
    storage = (globalThis as { localStorage?: Storage }).localStorage;
  } catch (cause) {
    // Reading `localStorage` throws a SecurityError where the user blocked site data.
    throw new ConfigurationError(`LocalStorageStorage: localStorage is not accessible: ${String(cause)}`);
  }
  if (!storage) {
    throw new ConfigurationError(
      'LocalStorageStorage: there is no localStorage here (pass options.storage, e.g. sessionStorage or an in-memory Storage)',
    );
  }
  return storage;
}

/** A quota failure of `setItem`: `QuotaExceededError` by name, or the legacy code 22 (old WebKit). */
export function isQuotaExceeded(error: unknown): boolean {
  const e = error as { name?: unknown; code?: unknown } | null;
  return e?.name === 'QuotaExceededError' || e?.code === 22;
}

/**
 * Bytes held by the keys and values of `storage` (those starting with `prefix`, or all of them):
 * Web Storage keeps strings as UTF-16, and browsers count a quota in those bytes.
 */
export function bytesInUse(storage: Storage, prefix = ''): number {
  let bytes = 0;
  for (let i = 0; i < storage.length; i++) {
    const key = storage.key(i);
    if (key === null || !key.startsWith(prefix)) continue;
    bytes += (key.length + (storage.getItem(key)?.length ?? 0)) * 2;
  }
  return bytes;
}

/**
 * What a failed `setItem` means for the node: a quota failure is `StorageQuotaError` (fatal) with the
 * bytes in use of the whole Storage (the quota is the origin's) and this node's share in the message;
 * anything else is `IO` (transient: the runtime retries the batch).
 */
export function toStorageError(cause: unknown, storage: Storage, prefix: string, what: string): StorageError {
  if (cause instanceof StorageError) return cause;
  const detail = cause instanceof Error ? cause.message : String(cause);
  if (isQuotaExceeded(cause)) {
    let total: number | undefined;
    let own: number | undefined;
    try {
      total = bytesInUse(storage);
      own = bytesInUse(storage, prefix);
    } catch {
      // a count is a detail of the error, never a second failure
    }
    return new StorageQuotaError(
      `${what}: the Web Storage quota is exhausted (${total ?? '?'} bytes in use, ${own ?? '?'} of them by ${prefix}*): ${detail}`,
      { bytesInUse: total },
      { cause },
    );
  }
  const name = (cause as { name?: unknown } | null)?.name;
  return new StorageError(`${what} failed: ${String(name ?? 'Error')}: ${detail}`, 'IO', { cause });
}
