import { type ConflictReason, InvalidPatchError, type InvalidPatchReason } from './errors.js';
import type { JsonPatch } from './types.js';
import { type CheckedPatch, checkPatch } from './validate-patch.js';

/** What `createJsonDoc` proposes: the patch, who proposed it, and a tag for the proposer's own view. */
export interface PatchCommand {
  patch: JsonPatch;
  /** Shown to subscribers as `proposer`. */
  proposer?: string;
  /** Lets the proposer's optimistic view recognize its own patch when it is applied. */
  ref?: string;
}

/**
 * What `JsonDocument.apply` returns, and so what `propose()` resolves with (`result`). Kept small: the
 * core keeps recent results in its client sessions (and their snapshots) to answer retries.
 */
export type PatchResult =
  | { ok: true }
  | { conflict: { operation: number; reason: ConflictReason; detail: string } }
  | {
      invalid: { reason: InvalidPatchReason; operation: number | null; field: string | null; detail: string };
    };

const MAX_TAG_CHARS = 256;

/** What is wrong with a `proposer` or `ref`, or null. */
export function tagProblem(tag: unknown): string | null {
  return tag !== undefined && (typeof tag !== 'string' || tag.length > MAX_TAG_CHARS)
    ? `must be a string of at most ${MAX_TAG_CHARS} characters`
    : null;
}

/** The command's parts, checked as every node checks them, or why it is not a patch command. */
export function checkCommand(
  command: unknown,
): { checked: CheckedPatch; proposer: string | undefined; ref: string | undefined } | InvalidPatchError {
  if (typeof command !== 'object' || command === null || Array.isArray(command))
    return new InvalidPatchError('NOT_A_COMMAND', 'a patch command is an object', null, null);
  const { patch, proposer, ref } = command as Record<string, unknown>;
  for (const [field, tag] of [
    ['proposer', proposer],
    ['ref', ref],
  ] as const) {
    const problem = tagProblem(tag);
    if (problem) return new InvalidPatchError('NOT_A_COMMAND', `"${field}" ${problem}`, null, null);
  }
  const checked = checkPatch(patch);
  if (checked instanceof InvalidPatchError) return checked;
  return { checked, proposer: proposer as string | undefined, ref: ref as string | undefined };
}

export function invalidResult(error: InvalidPatchError): PatchResult {
  return {
    invalid: { reason: error.reason, operation: error.operation, field: error.field, detail: error.detail },
  };
}
