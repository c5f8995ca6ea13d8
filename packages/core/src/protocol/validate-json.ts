/**
 * Validation primitives for validate.ts: readers for scalar fields, and a bounded walker over untrusted
 * JSON-like values (the `data` of log entries).
 *
 * The walker checks that what a peer sent is plain JSON and estimates its serialized size without
 * JSON.stringify: stringify would build the whole string (of any size) before we could refuse it,
 * calls `toJSON` and getters of its own, and reports cycles only after a full walk. The walk stops as
 * soon as the size budget is spent or the nesting gets deeper than MAX_JSON_DEPTH, so its cost is
 * bounded by the budget whatever the input (huge or sparse arrays, cycles, shared subtrees that would
 * blow up exponentially), and it allocates nothing on the way down.
 */
import type { MessageLimits } from './validate.js';

/** Largest term a message may carry: a node adopting it must still be able to compute term + 1 safely. */
export const MAX_TERM = Number.MAX_SAFE_INTEGER - 1;

/** An untrusted object whose fields are about to be read (each exactly once). */
export type Fields = Record<string, unknown>;

/** Nesting allowed inside one `data` value. Deeper is refused: it also catches cycles without a seen-set. */
export const MAX_JSON_DEPTH = 64;

/**
 * Thrown by the validators with a human reason; validateMessage turns it into an InvalidMessageError.
 * Not an Error: nothing to capture, and `Rejection.is` is a brand check that no Proxy can fake or trap
 * (an untrusted getter may throw anything, including a Proxy whose prototype lookup throws).
 */
export class Rejection {
  readonly #brand = true;
  readonly reason: string;
  /** Set for a message of another cluster, which callers report apart from a malformed one. */
  readonly otherCluster: boolean;
  constructor(reason: string, otherCluster = false) {
    this.reason = reason;
    this.otherCluster = otherCluster;
  }
  static is(value: unknown): value is Rejection {
    return typeof value === 'object' && value !== null && #brand in value;
  }
}

/**
 * True for objects JSON.parse could have made: prototype `Object.prototype` (of any realm) or null.
 * Refuses Date, Map, typed arrays, class instances: JSON would not carry them as they are.
 */
export function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === null || proto === Object.prototype || Object.getPrototypeOf(proto) === null;
}

/** An internal failure on its way up: frames add their path segment as it passes. */
class WalkFailure {
  readonly #brand = true;
  readonly problem: string;
  readonly trail: string[] = [];
  constructor(problem: string) {
    this.problem = problem;
  }
  static is(value: unknown): value is WalkFailure {
    return typeof value === 'object' && value !== null && #brand in value;
  }
}

function fail(problem: string): never {
  throw new WalkFailure(problem);
}

const OVER_BUDGET = 'pushes the message over the size limit (maxPayloadChars)';

/**
 * The approximate length of `JSON.stringify(value)` (escapes in strings are not counted), or a
 * Rejection when it is more than `budget`, nested deeper than MAX_JSON_DEPTH, or holds something JSON
 * cannot carry (functions, symbols, bigints, NaN/Infinity, undefined in arrays, non-plain objects).
 * The Rejection's reason is relative to the value (" is a function", ".a[2] is NaN, ..."): the caller
 * puts the value's own path in front. Undefined object properties are skipped, as JSON.stringify does.
 * Never throws anything but a Rejection.
 */
export function measureJson(value: unknown, budget: number): number {
  try {
    return walk(value, budget, 0);
  } catch (e) {
    if (WalkFailure.is(e)) {
      let path = '';
      for (let i = e.trail.length - 1; i >= 0; i--) path += e.trail[i];
      throw new Rejection(`${path} ${e.problem}`);
    }
    // Only reachable when reading the root itself threw (a revoked Proxy given to Array.isArray).
    throw new Rejection(' could not be read (a getter or proxy threw)');
  }
}

function walk(value: unknown, remaining: number, depth: number): number {
  let size: number;
  switch (typeof value) {
    case 'string':
      size = value.length + 2;
      break;
    case 'number':
      if (!Number.isFinite(value)) fail(`is ${value}, which JSON cannot carry`);
      size = numberChars(value);
      break;
    case 'boolean':
      size = value ? 4 : 5;
      break;
    case 'object':
      if (value === null) {
        size = 4;
        break;
      }
      if (depth >= MAX_JSON_DEPTH) fail(`is nested deeper than ${MAX_JSON_DEPTH} levels (or is cyclic)`);
      if (Array.isArray(value)) return walkArray(value, remaining, depth);
      if (!isPlainObject(value)) fail('is not a plain object (JSON carries no Date, Map or class instance)');
      return walkObject(value as Record<string, unknown>, remaining, depth);
    case 'undefined':
      // Only reached for array elements and holes: JSON.stringify would turn them into null.
      return fail('is undefined, which JSON cannot carry in an array');
    default:
      return fail(`is a ${typeof value}, which JSON cannot carry`);
  }
  if (size > remaining) fail(OVER_BUDGET);
  return size;
}

function walkArray(array: unknown[], remaining: number, depth: number): number {
  const length: unknown = array.length; // a Proxy may report anything
  if (!Number.isSafeInteger(length) || (length as number) < 0) return fail('has an invalid length');
  const n = length as number;
  // Every element costs at least one character and one comma: refuse huge arrays before touching them.
  if (2 * n > remaining) fail(OVER_BUDGET);
  let used = n > 0 ? n + 1 : 2; // brackets and commas
  for (let i = 0; i < n; i++) {
    try {
      used += walk(array[i], remaining - used, depth + 1);
    } catch (e) {
      throw addSegment(e, `[${i}]`);
    }
  }
  if (used > remaining) fail(OVER_BUDGET);
  return used;
}

function walkObject(object: Record<string, unknown>, remaining: number, depth: number): number {
  // Object.keys, not for-in: for-in would also walk keys someone added to Object.prototype.
  const keys = Object.keys(object);
  let used = 2;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    try {
      const child = object[key];
      if (child === undefined) continue;
      used += key.length + 4; // quotes, colon, comma
      used += walk(child, remaining - used, depth + 1);
    } catch (e) {
      throw addSegment(e, key.length > 32 ? `.${key.slice(0, 32)}…` : `.${key}`);
    }
  }
  if (used > remaining) fail(OVER_BUDGET);
  return used;
}

/** Attaches a path segment to a failure passing up; anything else thrown (a getter) becomes one. */
function addSegment(e: unknown, segment: string): WalkFailure {
  const failure = WalkFailure.is(e) ? e : new WalkFailure('could not be read (a getter or proxy threw)');
  failure.trail.push(segment);
  return failure;
}

/** Characters of a finite number in JSON. Integers are counted without allocating a string. */
export function numberChars(n: number): number {
  if (!Number.isSafeInteger(n)) return String(n).length;
  let chars = n < 0 ? 2 : 1;
  let rest = n < 0 ? -n : n;
  while (rest >= 10) {
    rest = Math.floor(rest / 10);
    chars++;
  }
  return chars;
}

/** Per-call state: the running size estimate (per call, not module-level, so re-entrant getters are harmless). */
export interface Budget {
  readonly limits: MessageLimits;
  size: number;
}

// ---------------------------------------------------------------------------------------------
// Field readers. Each returns the value typed, or throws a Rejection naming the field. Paths come in
// pieces (base, item index or -1, field) and are joined only when a check fails.

/**
 * The length of an entries array, refused before any element is read. Callers then read each element
 * once by index (no slice/map: those consult `constructor`, which a hostile array may override).
 */
export function readEntryCount(value: unknown, where: string, max: number): number {
  if (!Array.isArray(value)) refuse(`${where} must be an array, got ${describe(value)}`);
  const n: unknown = (value as unknown[]).length; // a Proxy may report anything
  if (!Number.isSafeInteger(n) || (n as number) < 0 || (n as number) > max) {
    refuse(`${where} must hold at most ${max} entries (maxEntriesPerMessage), got ${describe(n)}`);
  }
  return n as number;
}

export function readObject(value: unknown, base: string, i: number): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    refuse(`${i < 0 ? base : `${base}[${i}]`} must be an object, got ${describe(value)}`);
  }
  return value as Fields;
}

/** Indexes, offsets, commits: anything else (floats, NaN, -1, 2^53) would corrupt log arithmetic. */
export function readIndex(value: unknown, base: string, i: number, field: string): number {
  if (Number.isSafeInteger(value) && (value as number) >= 0) return value as number;
  return refuse(`${path(base, i, field)} must be a non-negative safe integer, got ${describe(value)}`);
}

export function readTerm(value: unknown, base: string, i: number, field: string): number {
  if (Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= MAX_TERM) {
    return value as number;
  }
  return refuse(
    `${path(base, i, field)} must be an integer from 0 to 2^53 - 2 (so term + 1 stays safe), got ${describe(value)}`,
  );
}

export function readBoolean(value: unknown, base: string, field: string): boolean {
  if (typeof value === 'boolean') return value;
  return refuse(`${base}.${field} must be a boolean, got ${describe(value)}`);
}

/** Only called when a check failed: the happy path builds no strings. */
export function path(base: string, i: number, field: string): string {
  return i < 0 ? `${base}.${field}` : `${base}[${i}].${field}`;
}

export function refuse(reason: string): never {
  throw new Rejection(reason);
}

/** A short, safe description of an untrusted value for a reason (never huge, never throws). */
export function describe(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value);
    case 'number':
    case 'boolean':
      return String(value);
    case 'undefined':
      return 'nothing';
    case 'object':
      if (value === null) return 'null';
      try {
        return Array.isArray(value) ? 'an array' : 'an object';
      } catch {
        return 'a revoked proxy';
      }
    default:
      return `a ${typeof value}`;
  }
}

export function readString(budget: Budget, value: unknown, base: string, field: string, max: number): string {
  if (typeof value !== 'string' || value.length > max) {
    refuse(`${base}.${field} must be a string of at most ${max} characters, got ${describe(value)}`);
  }
  grow(budget, value.length + 2, base, -1, field);
  return value;
}

export function readOptionalString(
  budget: Budget,
  value: unknown,
  base: string,
  field: string,
  max: number,
): string | undefined {
  return value === undefined ? undefined : readString(budget, value, base, field, max);
}

/** Adds to the size estimate: the whole message must fit maxPayloadChars. */
export function grow(budget: Budget, chars: number, base: string, i: number, field: string): void {
  budget.size += chars;
  if (budget.size > budget.limits.maxPayloadChars) {
    const where = field === '' ? (i < 0 ? base : `${base}[${i}]`) : path(base, i, field);
    refuse(
      `${where} pushes the message over the size limit (maxPayloadChars ${budget.limits.maxPayloadChars})`,
    );
  }
}
