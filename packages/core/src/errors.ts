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

/** A message from the network failed validation. It was dropped; the node goes on. */
export class InvalidMessageError extends RaftError {
  override name = 'InvalidMessageError';
  readonly from: string | undefined;
  constructor(reason: string, from?: string) {
    super('INVALID_MESSAGE', `invalid message${from === undefined ? '' : ` from ${from}`}: ${reason}`);
    this.from = from;
  }
}

/** A storage adapter failed (quota, blocked, connection lost, corrupt data). Nothing was half-written. */
export class StorageError extends RaftError {
  override name = 'StorageError';
  constructor(message: string, code = 'STORAGE', options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** A transport failed to send a message (reported on the `error` event; Raft resends what matters). */
export class TransportError extends RaftError {
  override name = 'TransportError';
  constructor(message: string, cause?: unknown) {
    super('SEND_FAILED', message, { cause });
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
