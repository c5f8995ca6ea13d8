import { generatePatch } from './apply-patch.js';
import type { JsonPatch, JsonValue } from './types.js';

/**
 * A patch that turns `before` into `after` (fast-json-patch's `compare`). With `guard`, a `test` of
 * the old value precedes every `replace` and `remove`, so that the patch fails on a document where
 * another edit changed those values since.
 */
export function compare(before: JsonValue, after: JsonValue, options: { guard?: boolean } = {}): JsonPatch {
  const guard = options.guard ?? false;
  // fast-json-patch compares containers key by key; a root that is not one (or changes kind) is replaced.
  if (kindOf(before) !== kindOf(after) || kindOf(before) === 'primitive') {
    if (before === after) return [];
    const replace: JsonPatch = [{ op: 'replace', path: '', value: after }];
    return guard ? [{ op: 'test', path: '', value: before }, ...replace] : replace;
  }
  return generatePatch(before, after, guard);
}

function kindOf(value: JsonValue): 'array' | 'object' | 'primitive' {
  if (Array.isArray(value)) return 'array';
  return typeof value === 'object' && value !== null ? 'object' : 'primitive';
}
