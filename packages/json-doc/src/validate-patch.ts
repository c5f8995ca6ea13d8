import { InvalidPatchError } from './errors.js';
import { frozenCopy, jsonProblem } from './json-value.js';
import { PATCH_LIMITS } from './limits.js';
import { isProperPrefix, parsePointer } from './pointer.js';
import type { JsonPatch, JsonValue, PatchOperation } from './types.js';

/** An operation with its pointers parsed into segments, ready to apply. */
export type ParsedOperation =
  | { op: 'add' | 'replace' | 'test'; path: string[]; value: JsonValue }
  | { op: 'remove'; path: string[] }
  | { op: 'move' | 'copy'; from: string[]; path: string[] };

/**
 * A valid patch: its operations with only their RFC 6902 members, and parsed. Deeply frozen, and
 * sharing nothing with the patch it was checked from (its values are frozen copies): safe to hand to
 * subscribers, and to put into the document as it is.
 */
export interface CheckedPatch {
  patch: JsonPatch;
  parsed: ParsedOperation[];
}

const OPS: ReadonlySet<string> = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

/**
 * Checks a patch without looking at the document: its shape, every operation's members, pointer
 * syntax, forbidden segments, plain JSON values, and the size and depth limits (limits.ts). Returns
 * the patch rebuilt from what was read (other members dropped, as RFC 6902 section 4 ignores them),
 * or the error. Never throws: every node runs it on every committed patch, and must agree.
 */
export function checkPatch(patch: unknown): CheckedPatch | InvalidPatchError {
  if (!Array.isArray(patch)) return new InvalidPatchError('NOT_AN_ARRAY', 'a patch is an array', null, null);
  if (patch.length > PATCH_LIMITS.maxOperations)
    return new InvalidPatchError(
      'TOO_MANY_OPERATIONS',
      `${patch.length} operations, more than ${PATCH_LIMITS.maxOperations}`,
      null,
      null,
    );
  const out: CheckedPatch = { patch: [], parsed: [] };
  for (let i = 0; i < patch.length; i++) {
    let checked: ReturnType<typeof checkOperation>;
    try {
      checked = checkOperation(i in patch ? patch[i] : undefined, i);
    } catch (error) {
      // A caller's getter or Proxy that throws (a committed patch is plain data and cannot).
      return new InvalidPatchError('NOT_JSON', `reading it threw: ${String(error)}`, i, null);
    }
    if (checked instanceof InvalidPatchError) return checked;
    out.patch.push(checked.operation);
    out.parsed.push(checked.parsed);
  }
  Object.freeze(out.patch);
  const chars = JSON.stringify(out.patch).length;
  if (chars > PATCH_LIMITS.maxPatchChars)
    return new InvalidPatchError(
      'TOO_LARGE',
      `${chars} characters of JSON, more than ${PATCH_LIMITS.maxPatchChars}`,
      null,
      null,
    );
  return out;
}

/** `checkPatch`, throwing its error. */
export function validatePatch(patch: unknown): CheckedPatch {
  const checked = checkPatch(patch);
  if (checked instanceof InvalidPatchError) throw checked;
  return checked;
}

function checkOperation(
  raw: unknown,
  i: number,
): { operation: PatchOperation; parsed: ParsedOperation } | InvalidPatchError {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return new InvalidPatchError('NOT_AN_OPERATION', 'an operation is an object', i, null);
  const fields = raw as Record<string, unknown>;
  const op = fields.op;
  if (typeof op !== 'string' || !OPS.has(op))
    return new InvalidPatchError('UNKNOWN_OP', `"op" must be one of ${[...OPS].join(', ')}`, i, 'op');
  const pathText = fields.path;
  const path = pointer(pathText, i, 'path');
  if (path instanceof InvalidPatchError) return path;
  switch (op) {
    case 'remove':
      if (path.length === 0)
        return new InvalidPatchError('REMOVE_ROOT', 'the whole document cannot be removed', i, 'path');
      return { operation: Object.freeze({ op, path: pathText as string }), parsed: { op, path } };
    case 'move':
    case 'copy': {
      const fromText = fields.from;
      const from = pointer(fromText, i, 'from');
      if (from instanceof InvalidPatchError) return from;
      if (op === 'move' && isProperPrefix(from, path))
        return new InvalidPatchError('MOVE_INTO_ITSELF', 'a value cannot move into its own child', i, 'path');
      return {
        operation: Object.freeze({ op, from: fromText as string, path: pathText as string }),
        parsed: { op, from, path },
      };
    }
    default: {
      const kind = op as 'add' | 'replace' | 'test';
      if (!Object.hasOwn(fields, 'value') || fields.value === undefined)
        return new InvalidPatchError('MISSING_VALUE', `"${kind}" needs a "value"`, i, 'value');
      const value = fields.value;
      const problem = jsonProblem(value, PATCH_LIMITS.maxValueDepth);
      if (problem)
        return new InvalidPatchError(problem.tooDeep ? 'TOO_DEEP' : 'NOT_JSON', problem.detail, i, 'value');
      const json = frozenCopy(value as JsonValue);
      return {
        operation: Object.freeze({ op: kind, path: pathText as string, value: json }),
        parsed: { op: kind, path, value: json },
      };
    }
  }
}

function pointer(text: unknown, i: number, field: 'path' | 'from'): string[] | InvalidPatchError {
  const parsed = parsePointer(text);
  if ('segments' in parsed) return parsed.segments;
  return new InvalidPatchError(
    parsed.forbidden ? 'FORBIDDEN_SEGMENT' : 'BAD_POINTER',
    `"${field}" ${parsed.problem}`,
    i,
    field,
  );
}
