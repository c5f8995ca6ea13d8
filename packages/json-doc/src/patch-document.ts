import { addAt, removeAt, replaceAt } from './apply-patch.js';
import { lookup, writableParent } from './copy-on-write.js';
import type { ConflictReason } from './errors.js';
import { deepFreeze, depthOf, jsonEqual } from './json-value.js';
import { PATCH_LIMITS } from './limits.js';
import { isArrayIndex } from './pointer.js';
import type { JsonValue } from './types.js';
import type { CheckedPatch, ParsedOperation } from './validate-patch.js';

/** A patch's outcome on a document: the new version, or the first operation that failed on it. */
export type PatchOutcome =
  | { ok: true; value: JsonValue }
  | { ok: false; operation: number; reason: ConflictReason; detail: string };

interface Failure {
  reason: ConflictReason;
  detail: string;
}

/**
 * Applies a checked patch to a deeply frozen document, all operations or none (RFC 6902 section 5),
 * and returns the new version, deeply frozen too; `doc` itself is never changed. The patch's values
 * are frozen copies (`checkPatch` made them), so they go into the document as they are. Deterministic: the
 * outcome depends on nothing but `doc` and the patch, so every node gets the same one.
 */
export function patchDocument(doc: JsonValue, checked: CheckedPatch): PatchOutcome {
  let root = doc;
  for (let i = 0; i < checked.parsed.length; i++) {
    const pointers = checked.patch[i] as { path: string; from?: string };
    const result = applyOperation(root, checked.parsed[i]!, pointers);
    if ('reason' in result) return { ok: false, operation: i, ...result };
    root = result.root;
  }
  return { ok: true, value: deepFreeze(root) };
}

function applyOperation(
  root: JsonValue,
  op: ParsedOperation,
  pointers: { path: string; from?: string },
): { root: JsonValue } | Failure {
  switch (op.op) {
    case 'test': {
      const target = lookup(root, op.path);
      if (target === undefined) return notFound(pointers.path);
      return jsonEqual(target, op.value)
        ? { root }
        : { reason: 'TEST_FAILED', detail: `the value at "${pointers.path}" differs` };
    }
    case 'add':
      return add(root, op.path, pointers.path, op.value);
    case 'replace': {
      if (lookup(root, op.path) === undefined) return notFound(pointers.path);
      if (op.path.length === 0) return { root: op.value };
      const writable = writableParent(root, op.path)!;
      return { root: replaceAt(writable.root, pointers.path, op.value) };
    }
    case 'remove': {
      if (lookup(root, op.path) === undefined) return notFound(pointers.path);
      const writable = writableParent(root, op.path)!;
      removeAt(writable.root, pointers.path);
      return { root: writable.root };
    }
    case 'copy':
    case 'move': {
      const from = pointers.from!;
      // Shared, not copied: it is frozen, and so is every value in the document.
      const value = lookup(root, op.from);
      if (value === undefined) return notFound(from);
      const tooDeep = deepenedTooFar(value, op.from.length, op.path.length);
      if (tooDeep) return tooDeep;
      if (op.op === 'copy') return add(root, op.path, pointers.path, value);
      // RFC 6902 4.4: a remove from `from`, then an add at `path` (in the document after the remove).
      if (op.from.length === 0) return add(value, op.path, pointers.path, value);
      const writable = writableParent(root, op.from)!;
      removeAt(writable.root, from);
      return add(writable.root, op.path, pointers.path, value);
    }
  }
}

/** RFC 6902 4.1: add at `path`, whose parent must exist (an array index at most its length, or `-`). */
function add(
  root: JsonValue,
  path: string[],
  pointer: string,
  value: JsonValue,
): { root: JsonValue } | Failure {
  if (path.length === 0) return { root: value };
  const writable = writableParent(root, path);
  if (!writable) return notFound(pointer, 'its parent does not exist');
  const { parent } = writable;
  const last = path[path.length - 1]!;
  if (Array.isArray(parent) && last !== '-') {
    if (!isArrayIndex(last)) return notFound(pointer, `"${last}" is not an array index`);
    if (Number(last) > parent.length)
      return {
        reason: 'INDEX_OUT_OF_BOUNDS',
        detail: `index ${last} of "${pointer}" is past the array's end (${parent.length})`,
      };
  }
  return { root: addAt(writable.root, pointer, value) };
}

/** A `move` or `copy` deeper into the document must keep it within `maxDocumentDepth`. */
function deepenedTooFar(value: JsonValue, fromLength: number, toLength: number): Failure | null {
  // Not deeper than where it was: it fits, as it did there.
  if (toLength <= fromLength) return null;
  const room = PATCH_LIMITS.maxDocumentDepth - toLength;
  if (depthOf(value, room) <= room) return null;
  return {
    reason: 'TOO_DEEP',
    detail: `the document would be nested more than ${PATCH_LIMITS.maxDocumentDepth} levels`,
  };
}

function notFound(pointer: string, why = 'there is no value there'): Failure {
  return { reason: 'PATH_NOT_FOUND', detail: `"${pointer}": ${why}` };
}
