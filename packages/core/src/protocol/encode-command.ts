/**
 * The one pass a proposed command goes through: it checks that the command is plain JSON that JSON
 * carries unchanged, measures its encoded length exactly (what `JSON.stringify` would produce) and
 * makes the copy that goes into the log, so later changes to the caller's object cannot reach it.
 *
 * Refused, with an `InvalidCommandError` naming the path (`$.items[3]`): what JSON cannot carry or
 * would silently change. `NaN` and `Infinity` (JSON writes `null`), `undefined` or a hole in an
 * array (`null`), functions, symbols and bigints (dropped or a throw), objects whose prototype is not
 * `Object.prototype` or null and arrays that are not plain arrays (a `Map` becomes `{}`, a `Date` a
 * string, a class instance loses its methods), objects with `toJSON` (JSON writes what it returns),
 * cycles, and nesting deeper than the validator of incoming messages accepts (`MAX_JSON_DEPTH`).
 * Two changes are made as JSON would make them, since they lose nothing a reader could rely on: an
 * object property whose value is `undefined` is left out, and `-0` becomes `0`.
 *
 * Everything this accepts, the validator of incoming messages (validate-json.ts) accepts too: its
 * plain-object rule and depth limit are the same, and its size estimate never exceeds the exact
 * length measured here. So the leader never appends a command its followers would refuse.
 *
 * One walk instead of `JSON.parse(JSON.stringify(command))`: the round trip builds the whole string
 * only to parse it again, and hides every silent change listed above.
 */
import { InvalidCommandError, ProposalRefusedError } from '../errors.js';
import { isPlainObject, MAX_JSON_DEPTH, numberChars } from './validate-json.js';

/** What `encodeCommand` returns: the copy for the log and its length in characters of JSON. */
export interface EncodedCommand {
  data: unknown;
  length: number;
}

/**
 * Checks, measures and copies `command` (see the module comment). Throws `InvalidCommandError` for a
 * value JSON would not carry unchanged, and `ProposalRefusedError` (`TOO_LARGE`) as soon as its
 * encoding exceeds `maxChars` (the walk stops there, so a huge command costs no more than the limit).
 */
export function encodeCommand(command: unknown, maxChars: number): EncodedCommand {
  const walk: Walk = { used: 0, max: maxChars };
  try {
    const data = copy(command, walk, 0);
    return { data, length: walk.used };
  } catch (e) {
    if (Refusal.is(e)) throw e.toError(maxChars);
    // Reading the command itself threw (a revoked Proxy).
    throw new InvalidCommandError('$', 'it could not be read (a getter or proxy threw)');
  }
}

/** The running length, per call (so a getter that proposes in turn cannot disturb it). */
interface Walk {
  used: number;
  readonly max: number;
}

/**
 * A refusal on its way up: each frame adds its path segment (built only on failure). Recognized by a
 * brand, which no thrown Proxy can fake or trap (as validate-json's Rejection).
 */
class Refusal {
  readonly #brand = true;
  readonly trail: string[] = [];
  /** Set when the depth limit was hit, to tell a cycle (the object is its own ancestor) from deep nesting. */
  cyclic = false;
  /** For a cycle: how many trail segments lie below its outermost object (whose path is reported). */
  cycleDepth = 0;
  constructor(
    readonly reason: string,
    readonly tooLarge = false,
    readonly deepest: object | null = null,
  ) {}

  static is(value: unknown): value is Refusal {
    return typeof value === 'object' && value !== null && #brand in value;
  }

  toError(maxChars: number): InvalidCommandError | ProposalRefusedError {
    let path = '$';
    for (let i = this.trail.length - 1; i >= this.cycleDepth; i--) path += this.trail[i];
    if (this.tooLarge)
      return new ProposalRefusedError(
        `the command is more than ${maxChars} characters of JSON, the largest this node accepts`,
        'TOO_LARGE',
      );
    return new InvalidCommandError(
      path,
      this.cyclic ? 'it contains itself (a cycle), which JSON cannot carry' : this.reason,
    );
  }
}

function add(walk: Walk, chars: number): void {
  walk.used += chars;
  if (walk.used > walk.max) throw new Refusal('', true);
}

function copy(value: unknown, walk: Walk, depth: number): unknown {
  switch (typeof value) {
    case 'string':
      add(walk, stringChars(value));
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw new Refusal(`it is ${value}, which JSON writes as null`);
      add(walk, numberChars(value));
      // JSON writes -0 as 0: the log holds what every node decodes.
      return value === 0 ? 0 : value;
    case 'boolean':
      add(walk, value ? 4 : 5);
      return value;
    case 'object':
      if (value === null) {
        add(walk, 4);
        return null;
      }
      if (depth >= MAX_JSON_DEPTH)
        throw new Refusal(`it is nested deeper than ${MAX_JSON_DEPTH} levels`, false, value);
      return Array.isArray(value) ? copyArray(value, walk, depth) : copyObject(value, walk, depth);
    case 'undefined':
      throw new Refusal('it is undefined, which JSON cannot carry');
    default:
      throw new Refusal(`it is a ${typeof value}, which JSON cannot carry`);
  }
}

function copyArray(array: unknown[], walk: Walk, depth: number): unknown[] {
  const proto: unknown = Object.getPrototypeOf(array);
  // Array.prototype is itself an array (of any realm); a subclass's prototype is not.
  if (proto !== Array.prototype && !Array.isArray(proto))
    throw new Refusal('it is an instance of an Array subclass, which JSON turns into a plain array');
  const n = array.length;
  add(walk, n === 0 ? 2 : n + 1); // brackets and commas
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    const element = array[i];
    try {
      if (element === undefined)
        throw new Refusal(
          i in array
            ? 'it is undefined, which JSON writes as null in an array'
            : 'it is a hole (a sparse array), which JSON writes as null',
        );
      out[i] = copy(element, walk, depth + 1);
    } catch (e) {
      throw withSegment(e, array, `[${i}]`);
    }
  }
  return out;
}

function copyObject(object: object, walk: Walk, depth: number): Record<string, unknown> {
  if (!isPlainObject(object))
    throw new Refusal(
      `it is ${describeInstance(object)}, which JSON does not carry as it is (plain objects and arrays only)`,
    );
  const fields = object as Record<string, unknown>;
  if (typeof fields.toJSON === 'function')
    throw new Refusal('it has a toJSON method, so JSON would carry what that returns instead');
  const keys = Object.keys(fields);
  add(walk, 2); // braces
  const out: Record<string, unknown> = {};
  let written = 0;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    try {
      const child = fields[key];
      // JSON leaves such properties out, and so does the copy.
      if (child === undefined) continue;
      add(walk, stringChars(key) + (written > 0 ? 2 : 1)); // colon, comma
      const copied = copy(child, walk, depth + 1);
      // An own `__proto__` key (JSON.parse makes them) must stay a key, not set the copy's prototype.
      if (key === '__proto__')
        Object.defineProperty(out, key, {
          value: copied,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      else out[key] = copied;
      written++;
    } catch (e) {
      throw withSegment(e, object, key.length > 32 ? `.${key.slice(0, 32)}…` : `.${key}`);
    }
  }
  return out;
}

/** Adds a path segment to a refusal passing up (and spots a cycle); anything else thrown is a getter's. */
function withSegment(e: unknown, container: object, segment: string): Refusal {
  const refusal = Refusal.is(e) ? e : new Refusal('it could not be read (a getter or proxy threw)');
  if (refusal.deepest === container) {
    refusal.cyclic = true;
    refusal.cycleDepth = refusal.trail.length + 1;
  }
  refusal.trail.push(segment);
  return refusal;
}

function describeInstance(object: object): string {
  const name = (Object.getPrototypeOf(object) as { constructor?: { name?: unknown } })?.constructor?.name;
  return typeof name === 'string' && name !== '' ? `a ${name}` : 'an object with a prototype of its own';
}

/** Characters that need an escape (or may: lone surrogates, which JSON.stringify escapes). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what JSON escapes
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** Length of `JSON.stringify(s)`: quotes, plus escapes where needed. */
function stringChars(s: string): number {
  if (!NEEDS_ESCAPE.test(s)) return s.length + 2;
  let chars = 2;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22 || c === 0x5c || c === 0x08 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d)
      chars += 2;
    else if (c < 0x20)
      chars += 6; // \u00XX
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && isLowSurrogate(s.charCodeAt(i + 1))) {
      chars += 2; // a pair stays as it is
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff)
      chars += 6; // a lone surrogate: \uDXXX
    else chars += 1;
  }
  return chars;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
