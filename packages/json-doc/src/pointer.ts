import { PATCH_LIMITS } from './limits.js';

/**
 * Path segments no patch may name: on a plain object they reach the prototype chain (prototype
 * pollution), and `constructor`/`prototype` are the usual second step of the same attack.
 */
export const FORBIDDEN_SEGMENTS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** A parsed JSON Pointer (RFC 6901): its unescaped segments, or what is wrong with it. */
export type ParsedPointer = { segments: string[] } | { problem: string; forbidden: boolean };

/** Parses a JSON Pointer: `""` is the whole document, else `/` then segments with `~0` and `~1` escapes. */
export function parsePointer(pointer: unknown): ParsedPointer {
  if (typeof pointer !== 'string') return { problem: 'is not a string', forbidden: false };
  if (pointer === '') return { segments: [] };
  if (pointer.length > PATCH_LIMITS.maxPointerChars)
    return { problem: `is longer than ${PATCH_LIMITS.maxPointerChars} characters`, forbidden: false };
  if (pointer[0] !== '/') return { problem: 'must be empty or start with "/"', forbidden: false };
  const raw = pointer.slice(1).split('/');
  if (raw.length > PATCH_LIMITS.maxPathSegments)
    return { problem: `has more than ${PATCH_LIMITS.maxPathSegments} segments`, forbidden: false };
  const segments: string[] = [];
  for (const part of raw) {
    // `~` must start an escape: `~0` (a tilde) or `~1` (a slash).
    if (/~(?![01])/.test(part)) return { problem: `has a bad escape in "${part}"`, forbidden: false };
    const segment = part.replaceAll('~1', '/').replaceAll('~0', '~');
    if (FORBIDDEN_SEGMENTS.has(segment))
      return { problem: `names "${segment}", which no path may contain`, forbidden: true };
    segments.push(segment);
  }
  return { segments };
}

/** Whether `segment` names an array element (RFC 6901: `0`, or digits without a leading zero). */
export function isArrayIndex(segment: string): boolean {
  return /^(?:0|[1-9][0-9]{0,8})$/.test(segment);
}

/** Whether `prefix` is a proper prefix of `path`, segment-wise (a `move` into its own child). */
export function isProperPrefix(prefix: readonly string[], path: readonly string[]): boolean {
  if (prefix.length >= path.length) return false;
  return prefix.every((segment, i) => path[i] === segment);
}
