import { ConfigurationError, OutcomeUnknownError, type ProposeResult } from '@webraft/core';
import type { PatchResult } from './command.js';
import { InvalidPatchError, PatchConflictError } from './errors.js';
import type { JsonPatch } from './types.js';

/** Where a patch was committed. */
export interface Committed {
  index: number;
  term: number;
}

/**
 * What the proposer's promise settles with, from what `propose()` of the core resolved with: where
 * the patch was committed when it applied, else the typed error its `PatchResult` describes.
 * `patch` is the patch as proposed (a conflict names its operation from it); `documentIndex` is the
 * proposer's JsonDocument's `index` (how far it has applied).
 */
export function committedOrThrow(r: ProposeResult, patch: JsonPatch, documentIndex: number): Committed {
  const result = r.result as PatchResult | undefined;
  if (result === undefined) {
    // No result, and this document never applied anything: it is not the node's state machine.
    if (documentIndex === 0) throw notTheStateMachine(r.index);
    throw new OutcomeUnknownError(
      `the patch was committed at ${r.index}, but whether it applied or failed on the document is no longer known (a retry answered from an old session record)`,
      'RESULT_FORGOTTEN',
    );
  }
  // Another state machine's result, or another JsonDocument's (this one has not seen the entry).
  if (!isPatchResult(result) || documentIndex < r.index) throw notTheStateMachine(r.index);
  if ('conflict' in result) {
    const c = result.conflict;
    throw new PatchConflictError(c.reason, c.detail, c.operation, patch[c.operation], r.index);
  }
  if ('invalid' in result) {
    const v = result.invalid;
    throw new InvalidPatchError(v.reason, v.detail, v.operation, v.field);
  }
  return { index: r.index, term: r.term };
}

function notTheStateMachine(index: number): ConfigurationError {
  return new ConfigurationError(
    `the patch was committed at ${index} but this JsonDocument did not apply it: pass it as the RaftInterface's stateMachine`,
  );
}

function isPatchResult(result: unknown): result is PatchResult {
  return (
    typeof result === 'object' &&
    result !== null &&
    ('ok' in result || 'conflict' in result || 'invalid' in result)
  );
}
