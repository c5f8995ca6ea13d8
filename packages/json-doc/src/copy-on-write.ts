/**
 * Copy-on-write over a deeply frozen JSON document: a patch copies only the containers on the paths
 * it changes (each once per patch) and shares every other subtree with the previous version, so a
 * reader holding an old value never sees it change, and applying costs the paths' length, not the
 * document's size. A container that is not frozen was made by the patch being applied and may be
 * changed in place; `deepFreeze` at the end of the patch freezes exactly those.
 */
import { isArrayIndex } from './pointer.js';
import type { JsonValue } from './types.js';

type Container = JsonValue[] | { [key: string]: JsonValue };

/** The value at `segments`, looking at own properties only, or undefined when there is none. */
export function lookup(root: JsonValue, segments: readonly string[]): JsonValue | undefined {
  let node: JsonValue | undefined = root;
  for (const segment of segments) {
    if (node === undefined) return undefined;
    node = child(node, segment);
  }
  return node;
}

/** The own child `segment` of a value, or undefined (a primitive has none; an array only indexes). */
export function child(node: JsonValue, segment: string): JsonValue | undefined {
  if (typeof node !== 'object' || node === null) return undefined;
  if (Array.isArray(node)) {
    if (!isArrayIndex(segment)) return undefined;
    const i = Number(segment);
    return i < node.length ? node[i] : undefined;
  }
  return Object.hasOwn(node, segment) ? node[segment] : undefined;
}

/**
 * Makes every container from the root down to the parent of `segments` private to the patch
 * (copying the frozen ones), and returns the new root with that parent; null when some container
 * on the way does not exist.
 */
export function writableParent(
  root: JsonValue,
  segments: readonly string[],
): { root: Container; parent: Container } | null {
  if (!isContainer(root)) return null;
  const newRoot = writable(root);
  let node = newRoot;
  for (let i = 0; i < segments.length - 1; i++) {
    const segment = segments[i]!;
    const next = child(node, segment);
    if (!isContainer(next)) return null;
    const own = writable(next);
    if (own !== next) (node as Record<string, JsonValue>)[segment] = own;
    node = own;
  }
  return { root: newRoot, parent: node };
}

function isContainer(value: JsonValue | undefined): value is Container {
  return typeof value === 'object' && value !== null;
}

/** The container itself when this patch made it, else a shallow copy (its children stay shared). */
function writable(node: Container): Container {
  if (!Object.isFrozen(node)) return node;
  return Array.isArray(node) ? node.slice() : { ...node };
}
