/**
 * Plain JSON checks and frozen copies. A document value is made of plain objects, arrays and
 * primitives only, and every container in it is frozen: a frozen container is frozen all the way
 * down (the invariant copy-on-write relies on to share subtrees between versions).
 */
import type { JsonValue } from './types.js';

/** What keeps a value from being plain JSON: `tooDeep` when it is only its nesting. */
export interface JsonProblem {
  tooDeep: boolean;
  detail: string;
}

/**
 * What keeps `value` from being plain JSON of at most `maxDepth` levels, or null. Recursion stops at
 * the depth limit, so a cycle is refused as too deep.
 */
export function jsonProblem(value: unknown, maxDepth: number): JsonProblem | null {
  const path: (string | number)[] = [];
  const problem = findProblem(value, maxDepth, path);
  if (problem === null) return null;
  // The location is spelled out only for the message of a value refused.
  const where = path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('');
  return { tooDeep: problem.tooDeep, detail: `$${where} ${problem.detail}` };
}

/** The problem, with `path` left at where it is; `path` is back as given when there is none. */
function findProblem(value: unknown, maxDepth: number, path: (string | number)[]): JsonProblem | null {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return null;
    case 'number':
      return Number.isFinite(value) ? null : notJson(`is ${String(value)}, which JSON cannot hold`);
    case 'object':
      break;
    default:
      return notJson(`is ${typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`}, not JSON`);
  }
  if (value === null) return null;
  if (maxDepth <= 0) return { tooDeep: true, detail: 'is nested too deeply' };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) return notJson(`is a sparse array (no element ${i})`);
      path.push(i);
      const problem = findProblem(value[i], maxDepth - 1, path);
      if (problem) return problem;
      path.pop();
    }
    return null;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null)
    return notJson('is not a plain object (a class instance)');
  for (const key of Object.keys(value)) {
    // An own "__proto__" key survives JSON.parse and pollutes the prototype of whoever merges it.
    if (key === '__proto__') return notJson('has a "__proto__" key');
    path.push(key);
    const problem = findProblem((value as Record<string, unknown>)[key], maxDepth - 1, path);
    if (problem) return problem;
    path.pop();
  }
  return null;
}

function notJson(detail: string): JsonProblem {
  return { tooDeep: false, detail };
}

/** A deeply frozen copy of a value `jsonProblem` accepted (it never shares with the caller's value). */
export function frozenCopy(value: JsonValue): JsonValue {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return Object.freeze(value.map(frozenCopy)) as JsonValue;
  const out: Record<string, JsonValue> = {};
  for (const key of Object.keys(value)) out[key] = frozenCopy(value[key]!);
  return Object.freeze(out) as JsonValue;
}

/** Freezes, in place, every container of `value` not frozen yet (a restored snapshot is all new). */
export function deepFreeze(value: JsonValue): JsonValue {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  for (const child of Array.isArray(value) ? value : Object.values(value)) deepFreeze(child);
  return Object.freeze(value) as JsonValue;
}

/** Levels of nesting of `value` (0 for a primitive, 1 for `[]` or `{}`), counted up to `limit + 1`. */
export function depthOf(value: JsonValue, limit: number): number {
  if (typeof value !== 'object' || value === null) return 0;
  if (limit <= 0) return 1;
  let deepest = 0;
  for (const child of Array.isArray(value) ? value : Object.values(value)) {
    deepest = Math.max(deepest, depthOf(child, limit - 1));
    if (deepest >= limit) break;
  }
  return 1 + deepest;
}

/** Deep equality of two JSON values (the `test` operation), on own keys only. */
export function jsonEqual(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => jsonEqual(x, b[i]!));
  }
  if (Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k]!, b[k]!));
}

/** A mutable deep copy of a (frozen) value, for a caller to edit. */
export function mutableCopy(value: JsonValue): JsonValue {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(mutableCopy);
  const out: Record<string, JsonValue> = {};
  for (const key of Object.keys(value)) out[key] = mutableCopy(value[key]!);
  return out;
}
