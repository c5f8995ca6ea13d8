/** Seeded random patches for property tests: mostly valid against the document the proposer sees. */
import type { RandomSource } from '@webraft/core';
import type { JsonPatch, JsonValue, PatchOperation } from '../src/index.js';

// Keys that need escaping or look like something else: "-", a digit, an Object method name.
const KEYS = ['a', 'b', 'c', 'x/y', 'ti~lde', '-', '0', 'toString', 'long key with spaces'];

function pick<T>(rnd: RandomSource, xs: readonly T[]): T {
  return xs[Math.floor(rnd() * xs.length)]!;
}

export function randomValue(rnd: RandomSource, depth = 2): JsonValue {
  const r = rnd();
  if (depth <= 0 || r < 0.5) return pick(rnd, [null, true, false, 0, -1.5, 42, '', 'text', 'ünï€ødé']);
  if (r < 0.75) return Array.from({ length: Math.floor(rnd() * 3) }, () => randomValue(rnd, depth - 1));
  const out: Record<string, JsonValue> = {};
  for (let i = Math.floor(rnd() * 3); i > 0; i--) out[pick(rnd, KEYS)] = randomValue(rnd, depth - 1);
  return out;
}

const escapeKey = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1');

/** Every pointer in `value`, below `prefix`, with the value there. */
function pointers(value: JsonValue, prefix: string, out: [string, JsonValue][] = []): [string, JsonValue][] {
  out.push([prefix, value]);
  if (typeof value === 'object' && value !== null) {
    const entries = Array.isArray(value)
      ? value.map((v, i) => [String(i), v] as const)
      : Object.entries(value);
    for (const [k, v] of entries) pointers(v, `${prefix}/${escapeKey(k)}`, out);
  }
  return out;
}

/** Where a new value can go below a container: a key, an index (or past the end), or `-`. */
function childPointer(rnd: RandomSource, at: string, container: JsonValue): string {
  if (Array.isArray(container)) {
    const r = rnd();
    const index = r < 0.3 ? '-' : String(Math.floor(rnd() * (container.length + (r < 0.9 ? 1 : 3))));
    return `${at}/${index}`;
  }
  return `${at}/${escapeKey(pick(rnd, KEYS))}`;
}

/**
 * One random operation on `data` (the document's `/data`): it may conflict (a stale path, a test
 * that fails), as concurrent proposals would.
 */
function randomOperation(rnd: RandomSource, data: JsonValue): PatchOperation {
  const all = pointers(data, '/data');
  const inner = all.filter(([p]) => p !== '/data');
  const containers = all.filter(([, v]) => typeof v === 'object' && v !== null);
  const grow = all.length < 60;
  const r = rnd();
  if ((r < 0.35 && grow) || inner.length === 0) {
    const [at, c] = pick(rnd, containers.length > 0 ? containers : [['/data', {}] as [string, JsonValue]]);
    return { op: 'add', path: childPointer(rnd, at, c), value: randomValue(rnd) };
  }
  const [path, value] = pick(rnd, inner);
  if (r < 0.5) return { op: 'remove', path };
  if (r < 0.65) return { op: 'replace', path, value: randomValue(rnd) };
  if (r < 0.8) {
    // Passes when nothing changed the value since the proposer saw it; a wrong value fails.
    return { op: 'test', path, value: rnd() < 0.7 ? value : randomValue(rnd) };
  }
  // Copies double what they copy: only while the document is small.
  if (!grow) return { op: 'remove', path };
  const [at, c] = pick(rnd, containers);
  const to = childPointer(rnd, at, c);
  if (rnd() < 0.5 || to.startsWith(`${path}/`)) return { op: 'copy', from: path, path: to };
  return { op: 'move', from: path, path: to };
}

/**
 * A patch of 1 to 4 random operations on `/data`, then the append of `marker` to `/log`: a patch
 * applied twice would show its marker twice.
 */
export function randomPatch(rnd: RandomSource, doc: JsonValue, marker: string): JsonPatch {
  const data = (doc as { data: JsonValue }).data;
  const patch: JsonPatch = [];
  for (let n = 1 + Math.floor(rnd() * 4); n > 0; n--) patch.push(randomOperation(rnd, data));
  patch.push({ op: 'add', path: '/log/-', value: marker });
  return patch;
}
