import { RaftError } from '@webraft/core';

/** An option of `new Coordinator(...)` is out of range or contradicts another; nothing was made. */
export class CoordinatorOptionsError extends RaftError {
  override name = 'CoordinatorOptionsError';
  /** The option at fault, e.g. `replicationStrategy.otherZoneReplicas`. */
  readonly option: string;
  constructor(option: string, message: string) {
    super('COORDINATOR_OPTIONS', `${option}: ${message}`);
    this.option = option;
  }
}

/** A public call got an argument it cannot use (a peer without an id, an unknown commit level). Nothing changed. */
export class InvalidArgumentError extends RaftError {
  override name = 'InvalidArgumentError';
  /** The argument at fault, e.g. `peer.id` or `commitLevel`. */
  readonly argument: string;
  constructor(argument: string, message: string) {
    super('INVALID_ARGUMENT', `${argument}: ${message}`);
    this.argument = argument;
  }
}

/**
 * The coordinator knows fewer peers than the put needs: `needed` replicas (the replication factor), but
 * only `available` places (the local storage and the peers it may use). Checked before anything is
 * written, so nothing was stored anywhere.
 */
export class NotEnoughPeersError extends RaftError {
  override name = 'NotEnoughPeersError';
  readonly needed: number;
  readonly available: number;
  constructor(needed: number, available: number) {
    super(
      'NOT_ENOUGH_PEERS',
      `not enough peers for replicationFactor ${needed}: ${available} place(s) known (local storage included)`,
    );
    this.needed = needed;
    this.available = available;
  }
}

/**
 * Replicas failed and no peer was left to re-place them on, so the put cannot reach its commit level:
 * `durable` replicas are stored (they stay stored: AllData never deletes), `required` were needed.
 * `errors` are the failures, by peer id (`local` for the local storage).
 */
export class ReplicationFailedError extends RaftError {
  override name = 'ReplicationFailedError';
  readonly commitLevel: string;
  readonly required: number;
  readonly durable: number;
  readonly errors: ReadonlyMap<string, unknown>;
  constructor(commitLevel: string, required: number, durable: number, errors: ReadonlyMap<string, unknown>) {
    super(
      'REPLICATION_FAILED',
      `commit level ${commitLevel} needs ${required} durable replica(s), ${durable} stored and no peer left to try ` +
        `(failed: ${[...errors.keys()].join(', ')})`,
    );
    this.commitLevel = commitLevel;
    this.required = required;
    this.durable = durable;
    this.errors = errors;
  }
}

/** No `_put` listener is registered, so a remote replica has no peer client to go through. */
export class NoPeerClientError extends RaftError {
  override name = 'NoPeerClientError';
  constructor() {
    super(
      'NO_PEER_CLIENT',
      "no '_put' listener: listen to the coordinator's '_put' event with a peer client",
    );
  }
}
