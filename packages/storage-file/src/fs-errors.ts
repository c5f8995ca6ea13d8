import { StorageError, StorageQuotaError } from '@webraft/core';

/** Maps what `node:fs` threw onto the core's storage errors (packages/core/README.md, errors). */
export function toStorageError(error: unknown, doing: string): StorageError {
  if (error instanceof StorageError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const why = error instanceof Error ? error.message : String(error);
  if (code === 'ENOSPC' || code === 'EDQUOT')
    return new StorageQuotaError(`no room on the disk while ${doing}: ${why}`, undefined, { cause: error });
  return new StorageError(`${doing} failed: ${why}`, 'IO', { cause: error });
}
