/**
 * Typed errors. Callers can tell apart: the cluster refused the request (`ProposalRefusedError`), the
 * outcome is not known in time (`OutcomeUnknownError`: it may still commit), the node is stopped
 * (`NodeStoppedError`, a refusal), bad input from the network (`InvalidMessageError`), storage
 * failures (`StorageError`) and application code that threw (`ApplicationError`).
 */
export class RaftError extends Error {
  override name = 'RaftError';
  /** A stable, machine-readable code. */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** The request was not accepted: it did not and will not take effect. Safe to retry. */
export class ProposalRefusedError extends RaftError {
  override name = 'ProposalRefusedError';
  constructor(message: string, code = 'REFUSED', options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** The node is stopped (or stopping); nothing was accepted. */
export class NodeStoppedError extends ProposalRefusedError {
  override name = 'NodeStoppedError';
  constructor(message = 'the node is stopped') {
    super(message, 'STOPPED');
  }
}

/**
 * The request was accepted somewhere but its outcome is not known in time (timeout, leader lost,
 * aborted). It may still commit later: do not assume it failed.
 */
export class OutcomeUnknownError extends RaftError {
  override name = 'OutcomeUnknownError';
  constructor(message: string, code = 'OUTCOME_UNKNOWN', options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/**
 * A message from the network failed validation. It was dropped; the node goes on. Codes:
 * `INVALID_MESSAGE` (malformed, oversized, or naming another sender), `OTHER_CLUSTER` (sent by a node
 * of another cluster, or by one that has no cluster id, to a node that has one: see `clusterId`).
 */
export class InvalidMessageError extends RaftError {
  override name = 'InvalidMessageError';
  readonly from: string | undefined;
  constructor(reason: string, from?: string, code: 'INVALID_MESSAGE' | 'OTHER_CLUSTER' = 'INVALID_MESSAGE') {
    super(code, `invalid message${from === undefined ? '' : ` from ${from}`}: ${reason}`);
    this.from = from;
  }
}

/**
 * Why a storage call failed. Adapters map what their platform reports onto these codes:
 * - `QUOTA`: no room left (the browser's quota, a full disk). Fatal: retrying cannot make room.
 * - `CORRUPT`: stored data is garbled or of the wrong shape (`StorageCorruptError`). Fatal.
 * - `LOST`: this node's data vanished (evicted, cleared) though it was used before (`StorageLostError`).
 *   Fatal: the node must not come back empty under its old id (it could vote twice in one term).
 * - `BLOCKED`: another holder keeps the store from opening or upgrading (IndexedDB `blocked`). Transient.
 * - `CLOSED`: the connection closed under us (IndexedDB `versionchange`, `close`). Transient: reopen.
 * - `IO`: any other failure of one call (an aborted transaction, an I/O error). Transient.
 * - `INVALID_BATCH`: the batch breaks the storage contract (a bug in the caller). Fatal.
 */
export type StorageErrorCode = 'QUOTA' | 'CORRUPT' | 'LOST' | 'BLOCKED' | 'CLOSED' | 'IO' | 'INVALID_BATCH';

/** Codes after which the runtime does not retry: the node halts (state `failed`) and says why on `error`. */
export const FATAL_STORAGE_CODES: ReadonlySet<string> = new Set<StorageErrorCode>([
  'QUOTA',
  'CORRUPT',
  'LOST',
  'INVALID_BATCH',
]);

/**
 * A storage adapter failed. A rejected `persist` wrote nothing. `fatal` says whether the runtime gives
 * up (halts the node) or retries with capped backoff; it follows the code unless the adapter says otherwise.
 */
export class StorageError extends RaftError {
  override name = 'StorageError';
  override readonly code: StorageErrorCode;
  readonly fatal: boolean;
  constructor(
    message: string,
    code: StorageErrorCode = 'IO',
    options?: { cause?: unknown; fatal?: boolean },
  ) {
    super(code, message, options);
    this.code = code;
    this.fatal = options?.fatal ?? FATAL_STORAGE_CODES.has(code);
  }
}

/** Stored data is garbled, truncated or of the wrong shape. `record` names what could not be read. */
export class StorageCorruptError extends StorageError {
  override name = 'StorageCorruptError';
  readonly record: string;
  constructor(record: string, reason: string, options?: { cause?: unknown }) {
    super(`stored record ${record} is corrupt: ${reason}`, 'CORRUPT', options);
    this.record = record;
  }
}

/** The node's storage is empty although this id persisted data before (evicted or cleared). */
export class StorageLostError extends StorageError {
  override name = 'StorageLostError';
  readonly nodeId: string;
  constructor(nodeId: string, message?: string, options?: { cause?: unknown }) {
    super(
      message ??
        `the stored data of node ${nodeId} is gone although it persisted before; rejoin under a new id`,
      'LOST',
      options,
    );
    this.nodeId = nodeId;
  }
}

/** No room to write. `bytesInUse` and `quota` are what the platform reported, where it did. */
export class StorageQuotaError extends StorageError {
  override name = 'StorageQuotaError';
  readonly bytesInUse: number | undefined;
  readonly quota: number | undefined;
  constructor(
    message: string,
    usage?: { bytesInUse?: number; quota?: number },
    options?: { cause?: unknown },
  ) {
    super(message, 'QUOTA', options);
    this.bytesInUse = usage?.bytesInUse;
    this.quota = usage?.quota;
  }
}

/**
 * Why a transport failed (reported on the `error` event; Raft resends what matters):
 * - `SEND_FAILED`: a message could not be sent.
 * - `UNDECODABLE`: a frame arrived that is not a message (bad JSON, wrong framing). Dropped.
 * - `TOO_LARGE`: a frame arrived, or was to be sent, larger than the transport carries. Dropped.
 * - `CONNECTION`: a connection failed or closed; the transport reconnects by itself.
 * - `OVERFLOW`: a bounded send queue overflowed while disconnected; the oldest messages were dropped.
 * - `AUTH`: the transport was refused (bad token); it stops retrying.
 * - `DUPLICATE_NODE_ID`: another transport speaks under this node's id on the same cluster (a second
 *   tab opened with the same id). Two nodes with one id can vote twice and break Raft's safety: the
 *   application must stop one of them.
 */
export type TransportErrorCode =
  | 'SEND_FAILED'
  | 'UNDECODABLE'
  | 'TOO_LARGE'
  | 'CONNECTION'
  | 'OVERFLOW'
  | 'AUTH'
  | 'DUPLICATE_NODE_ID';

export class TransportError extends RaftError {
  override name = 'TransportError';
  override readonly code: TransportErrorCode;
  /** The peer concerned, when there is one. */
  readonly peer: string | undefined;
  constructor(message: string, cause?: unknown, code: TransportErrorCode = 'SEND_FAILED', peer?: string) {
    super(code, message, { cause });
    this.code = code;
    this.peer = peer;
  }
}

/**
 * A command given to `propose()` is not a plain JSON value, or one JSON would change: `NaN`,
 * `Infinity`, `undefined` in an array, a sparse array, a `Map`, `Date` or other class instance, a
 * function, a symbol, a bigint, a cycle. `path` points at the offending value (`$` is the command).
 */
export class InvalidCommandError extends RaftError {
  override name = 'InvalidCommandError';
  readonly path: string;
  constructor(path: string, reason: string) {
    super('INVALID_COMMAND', `the command is not plain JSON at ${path}: ${reason}`);
    this.path = path;
  }
}

/**
 * Code of the application threw: an event listener (or an `apply` listener called back with an
 * error), or the state machine's `snapshot()`. The node caught it and went on: such code cannot stop
 * entries from being applied or the timers from running. `where` says which code it was.
 */
export class ApplicationError extends RaftError {
  override name = 'ApplicationError';
  /** Which code failed: `'updated' listener`, `'apply' listener`, `stateMachine.snapshot()`, ... */
  readonly where: string;
  constructor(where: string, cause: unknown) {
    super('APPLICATION', `${where} failed: ${String(cause)}`, { cause });
    this.where = where;
  }
}

/** Options or arguments a caller passed are wrong. */
export class ConfigurationError extends RaftError {
  override name = 'ConfigurationError';
  constructor(message: string) {
    super('CONFIGURATION', message);
  }
}
