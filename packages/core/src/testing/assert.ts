/**
 * A tiny assertion kit for the exported conformance suites. They run under any test framework (Vitest in
 * Node, a page in real Chromium), so they cannot import one.
 */

declare function setTimeout(callback: () => void, ms: number): unknown;

/** The failure the helpers throw. */
export class AssertionError extends Error {
  override name = 'AssertionError';
}

/**
 * Structural equality with JSON semantics, since what is compared went through storage or a network:
 * primitives by `Object.is`, arrays element by element, plain objects by their own enumerable keys in
 * any order, where a key whose value is `undefined` counts as absent.
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const ka = Object.keys(ra).filter((k) => ra[k] !== undefined);
  const kb = Object.keys(rb).filter((k) => rb[k] !== undefined);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!Object.hasOwn(rb, k) || !deepEqual(ra[k], rb[k])) return false;
  }
  return true;
}

/** A short printable form of a value for failure messages. */
export function show(value: unknown, max = 300): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max)}... (${text.length} chars)` : text;
}

export function assert(condition: unknown, what: string): asserts condition {
  if (!condition) throw new AssertionError(`assertion failed: ${what}`);
}

export function assertEqual(actual: unknown, expected: unknown, what: string): void {
  if (!deepEqual(actual, expected)) {
    throw new AssertionError(`${what}: expected ${show(expected)}, got ${show(actual)}`);
  }
}

/** Awaits `fn()` and expects it to reject; returns the rejection reason. */
export async function assertRejects(fn: () => Promise<unknown>, what: string): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new AssertionError(`${what}: expected a rejection, but it resolved`);
}

/** Resolves on a later turn of the event loop (a timer, never a microtask), after at least `ms`. */
export function nextTurn(ms = 0): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Waits until `predicate()` is true, checking now and then on each later turn of the event loop. This
 * synchronises on a condition, it is not a sleep: it returns as soon as the condition holds, and fails
 * with `what` after `timeoutMs`.
 */
export async function waitFor(
  predicate: () => boolean,
  timeoutMs = 5000,
  what = 'condition',
  pollMs = 1,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline)
      throw new AssertionError(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await nextTurn(pollMs);
  }
}

/**
 * The two functions a conformance suite needs from a test framework. Vitest's, Mocha's and Jest's
 * `describe` and `it` fit as they are: `runStorageTests(make, { describe, it })`.
 */
export interface TestHarness {
  describe(name: string, fn: () => void): void;
  it(name: string, fn: () => Promise<void>): void;
}
