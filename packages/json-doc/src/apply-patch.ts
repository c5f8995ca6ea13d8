/**
 * The one file that knows fast-json-patch: swap the library here. It performs the operations'
 * changes (insert, set, splice, delete) on containers that copy-on-write made private to the patch
 * being applied (patch-document.ts resolved and checked every path first, on own properties), and
 * generates patches from two values (`compare`).
 *
 * Why not fast-json-patch's `applyPatch` itself: it mutates the document it is given, or deep-clones
 * the whole document first (`mutateDocument: false`), and it resolves keys through the prototype
 * chain (`obj[key] === undefined`), so that `{}` "has" a `/toString` to remove or copy from.
 */
import fastJsonPatch from 'fast-json-patch';
import type { JsonPatch, JsonValue } from './types.js';

const { applyOperation, compare } = fastJsonPatch;

/** Adds (inserts into an array, sets on an object) `value` at `path`; returns the new root. */
export function addAt(root: JsonValue, path: string, value: JsonValue): JsonValue {
  return applyOperation(root as object, { op: 'add', path, value }, false, true, true)
    .newDocument as JsonValue;
}

/** Replaces the value at `path` (which exists); returns the new root. */
export function replaceAt(root: JsonValue, path: string, value: JsonValue): JsonValue {
  return applyOperation(root as object, { op: 'replace', path, value }, false, true, true)
    .newDocument as JsonValue;
}

/** Removes the value at `path` (which exists, and is not the root). */
export function removeAt(root: JsonValue, path: string): void {
  applyOperation(root as object, { op: 'remove', path }, false, true, true);
}

/**
 * A patch that turns `before` into `after`. With `guard`, every `replace` and `remove` is preceded
 * by a `test` of the value it changes, so that the patch fails instead of overwriting a concurrent edit.
 */
export function generatePatch(before: JsonValue, after: JsonValue, guard: boolean): JsonPatch {
  return compare(before as object, after as object, guard) as JsonPatch;
}
