import { RaftError } from '@webraft/core';

/** Why the registry refused a command (on apply, on every member alike). */
export type RegistryErrorCode =
  | 'INVALID_COMMAND'
  | 'DUPLICATE_SERVER'
  | 'UNKNOWN_SERVER'
  | 'SERVER_IN_USE'
  | 'DUPLICATE_SHARD'
  | 'UNKNOWN_SHARD'
  | 'SERVER_IN_SHARD'
  | 'NOT_IN_SHARD'
  | 'READ_ONLY'
  | 'OVER_CAPACITY'
  | 'FILE_EXISTS'
  | 'UNKNOWN_TASK'
  | 'TASK_DONE'
  | 'NOT_DUE'
  | 'LEASED'
  | 'NOT_LEASE_HOLDER';

/** What a refused command resolves with: nothing in the registry changed. */
export interface RegistryRefusal {
  ok: false;
  code: RegistryErrorCode;
  message: string;
}

export function refusal(code: RegistryErrorCode, message: string): RegistryRefusal {
  return { ok: false, code, message };
}

/** A registry command was refused on apply (`code` says why); nothing changed. */
export class RegistryError extends RaftError {
  override name = 'RegistryError';
  constructor(readonly refusal: RegistryRefusal) {
    super(refusal.code, refusal.message);
  }
}

/** A public call got an argument it cannot use; nothing was proposed. */
export class InvalidArgumentError extends RaftError {
  override name = 'InvalidArgumentError';
  constructor(
    readonly argument: string,
    message: string,
  ) {
    super('INVALID_ARGUMENT', `${argument}: ${message}`);
  }
}

/** No enabled shard with room took the upload: every one tried is in `tried`. Nothing was recorded. */
export class NoShardAvailableError extends RaftError {
  override name = 'NoShardAvailableError';
  constructor(
    readonly size: number,
    readonly tried: string[],
  ) {
    super(
      'NO_SHARD',
      `no enabled shard with room for ${size} bytes accepted the upload${tried.length ? ` (tried ${tried.join(', ')})` : ''}`,
    );
  }
}

/** No server of the shard had the file (each missed or failed). */
export class FileNotFoundError extends RaftError {
  override name = 'FileNotFoundError';
  constructor(
    readonly shardId: string,
    readonly fileName: string,
  ) {
    super('NOT_FOUND', `${shardId}:${fileName} is on none of the shard's reachable servers`);
  }
}

/** Why a blob store refused or failed a write or a read. */
export type BlobStoreErrorCode = 'FULL' | 'READ_ONLY' | 'UNAVAILABLE' | 'EXISTS' | 'BAD_RESPONSE';

/**
 * A storage server did not take or give a file: full, read-only, down, holding another file of that
 * name (a `create` write), or an answer we cannot use.
 */
export class BlobStoreError extends RaftError {
  override name = 'BlobStoreError';
  constructor(
    code: BlobStoreErrorCode,
    readonly url: string,
    message: string,
  ) {
    super(code, `${url}: ${message}`);
  }
}
