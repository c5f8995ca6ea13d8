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
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const child = cloneJson((value as Record<string, unknown>)[key]);
    // JSON.parse makes "__proto__" an own key; an assignment would set the copy's prototype instead.
    if (key === '__proto__')
      Object.defineProperty(out, key, { value: child, enumerable: true, writable: true, configurable: true });
    else out[key] = child;
  }
  return out as T;
}
