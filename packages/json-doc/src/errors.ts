import { RaftError } from '@webraft/core';
import type { PatchOperation } from './types.js';

/**
 * Why a patch is not valid, whatever the document: checked before it is proposed (nothing was sent)
 * and again by every node when applying (a command that did not come through `propose` of this
 * package is refused alike everywhere).
 */
export type InvalidPatchReason =
  | 'NOT_AN_ARRAY'
  | 'TOO_MANY_OPERATIONS'
  | 'TOO_LARGE'
  | 'NOT_AN_OPERATION'
  | 'UNKNOWN_OP'
  | 'BAD_POINTER'
  | 'FORBIDDEN_SEGMENT'
  | 'MISSING_VALUE'
  | 'NOT_JSON'
  | 'TOO_DEEP'
  | 'MOVE_INTO_ITSELF'
  | 'REMOVE_ROOT'
  | 'NOT_A_COMMAND';

/**
 * The patch is malformed or hostile (a prototype-polluting path, a value that is not plain JSON, too
 * large or too deep): it was not proposed, or, found in the log, it changed nothing on any node.
 * `operation` is the index of the offending operation in the patch (null for the patch as a whole);
 * `field` names its member (`path`, `from`, `value`, `op`), `reason` says what is wrong.
 */
export class InvalidPatchError extends RaftError {
  override name = 'InvalidPatchError';
  readonly reason: InvalidPatchReason;
  readonly operation: number | null;
  readonly field: string | null;
  /** What is wrong, without the location (the message has both). */
  readonly detail: string;
  constructor(reason: InvalidPatchReason, detail: string, operation: number | null, field: string | null) {
    const where = operation === null ? 'the patch' : `operation ${operation}${field ? ` (${field})` : ''}`;
    super('INVALID_PATCH', `invalid patch: ${where}: ${detail}`);
    this.reason = reason;
    this.detail = detail;
    this.operation = operation;
    this.field = field;
  }
}

/**
 * Why a valid patch failed on the document it met in log order. The same on every node, since every
 * node applies the same patches in the same order to the same document.
 */
export type ConflictReason = 'TEST_FAILED' | 'PATH_NOT_FOUND' | 'INDEX_OUT_OF_BOUNDS' | 'TOO_DEEP';

/**
 * The patch was committed but one of its operations failed on the document (a `test` that did not
 * hold, a path that no longer exists): no operation of it took effect, on any node. `operationIndex`
 * and `operation` name the failing one; `index` is the log index where the patch was committed.
 */
export class PatchConflictError extends RaftError {
  override name = 'PatchConflictError';
  readonly reason: ConflictReason;
  readonly operationIndex: number;
  readonly operation: PatchOperation | undefined;
  readonly index: number;
  readonly detail: string;
  constructor(
    reason: ConflictReason,
    detail: string,
    operationIndex: number,
    operation: PatchOperation | undefined,
    index: number,
  ) {
    const shown = operation ? ` (${operation.op} ${operation.path})` : '';
    super('PATCH_CONFLICT', `patch conflict at operation ${operationIndex}${shown}: ${detail}`);
    this.reason = reason;
    this.detail = detail;
    this.operationIndex = operationIndex;
    this.operation = operation;
    this.index = index;
  }
}
