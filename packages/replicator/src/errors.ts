import { RaftError } from '@webraft/core';

/**
 * Typed errors of the replicator (a `RaftError` of @webraft/core: `code` is stable and machine-readable):
 * - `INVALID_MESSAGE`: an exchange message had the wrong shape or hostile values (clocks or sequence
 *   numbers past `MAX_CLOCK`); it was dropped and nothing changed.
 * - `PEER_ID_MISMATCH`: a message named a sender other than the peer it came from (or claimed our own id).
 * - `INVALID_ARGUMENT`: a public call got bad input; nothing was written.
 * - `CLOCK_EXHAUSTED`: a key's clock reached `MAX_CLOCK`; the write was refused.
 * - `START_SYNC_TIMEOUT`: the replication attempted before accepting writes gave up (writes go on).
 * - `PEER_TIMEOUT`: a peer did not answer a pull in time.
 * - `CLOSED`: the replicated database is closed.
 */
export class ReplicatorError extends RaftError {
  override name = 'ReplicatorError';
}

/** A message from a peer was refused (see `ReplicatorError` codes); it changed nothing. */
export class InvalidExchangeError extends ReplicatorError {
  override name = 'InvalidExchangeError';
  /** The transport address the message came from. */
  readonly peer: string;
  constructor(peer: string, message: string, code = 'INVALID_MESSAGE') {
    super(code, `message from ${JSON.stringify(peer)} refused: ${message}`);
    this.peer = peer;
  }
}
