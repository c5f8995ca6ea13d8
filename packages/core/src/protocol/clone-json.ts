/**
 * A deep copy of a JSON value (plain objects, arrays, strings, numbers, booleans, null), much cheaper
 * than `structuredClone` or a JSON round trip for the small values commands usually are. Anything
 * else (a Date, a Map, a class instance) is copied with `structuredClone`.
 */
declare function structuredClone<T>(value: T): T;

export function cloneJson<T>(value: T): T {
  if (typeof value !== 'object' || value === null) {
    const kind = typeof value;
    if (kind === 'function' || kind === 'symbol' || kind === 'bigint')
      throw new TypeError(`a ${kind} is not a JSON value`);
    return value;
  }
  if (Array.isArray(value)) {
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = cloneJson(value[i]);
    return out as T;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return structuredClone(value);
  // The spread copies the object in one step, with its hidden class (adding keys one by one to an
  // empty object looks up a map transition per key, in the runtime once the site sees many shapes),
  // and defines an own `__proto__` key as a property rather than setting the prototype. Then only
  // values that are not primitives need a copy of their own.
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  const keys = Object.keys(out);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const child = out[key];
    if (!isCopiedBySpread(child)) out[key] = cloneJson(child);
  }
  return out as T;
}

/** Primitives a shallow copy already holds (functions, symbols and bigints go through `cloneJson` to be refused). */
function isCopiedBySpread(value: unknown): boolean {
  const kind = typeof value;
  return (
    value === null || kind === 'string' || kind === 'number' || kind === 'boolean' || kind === 'undefined'
  );
}
