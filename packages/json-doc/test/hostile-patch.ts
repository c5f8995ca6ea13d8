/** Seeded invalid and hostile patches, each with the reason `checkPatch` must give. */
import type { RandomSource } from '@webraft/core';
import type { InvalidPatchReason } from '../src/index.js';

export interface HostilePatch {
  name: string;
  patch: unknown;
  reason: InvalidPatchReason;
  /** Whether it survives JSON (so it can reach the log through a raw `propose`, bypassing the check). */
  json: boolean;
}

function nested(depth: number): unknown {
  let v: unknown = 0;
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { d: v };
  return v;
}

/** `[1, <hole>, 3]`. */
function sparse(): unknown[] {
  const a = [1, 2, 3];
  delete a[1];
  return a;
}

function cyclic(): unknown {
  const a: Record<string, unknown> = { x: 1 };
  a.self = a;
  return a;
}

const FORBIDDEN_PATHS = [
  '/__proto__',
  '/__proto__/polluted',
  '/a/__proto__',
  '/constructor/prototype/polluted',
  '/a/constructor',
  '/prototype',
  '/x/y/prototype/z',
];

/** One hostile operation (or patch) of each kind; `rnd` varies where it sits and what surrounds it. */
export type HostileKind = Omit<HostilePatch, 'patch'> & { op: () => unknown };

export function hostileKinds(rnd: RandomSource): HostileKind[] {
  const forbidden = FORBIDDEN_PATHS[Math.floor(rnd() * FORBIDDEN_PATHS.length)]!;
  const kinds: HostileKind[] = [
    {
      name: 'a prototype path',
      reason: 'FORBIDDEN_SEGMENT',
      json: true,
      op: () => ({ op: 'add', path: forbidden, value: 1 }),
    },
    {
      name: 'a prototype from',
      reason: 'FORBIDDEN_SEGMENT',
      json: true,
      op: () => ({ op: 'copy', from: forbidden, path: '/x' }),
    },
    {
      name: 'a value with an own __proto__ key',
      reason: 'NOT_JSON',
      json: true,
      op: () => ({ op: 'add', path: '/x', value: JSON.parse('{"ok":1,"__proto__":{"polluted":true}}') }),
    },
    {
      name: 'a value nested too deeply',
      reason: 'TOO_DEEP',
      json: true,
      op: () => ({ op: 'add', path: '/x', value: nested(61) }),
    },
    {
      name: 'a cycle',
      reason: 'TOO_DEEP',
      json: false,
      op: () => ({ op: 'add', path: '/x', value: cyclic() }),
    },
    {
      name: 'too many segments',
      reason: 'BAD_POINTER',
      json: true,
      op: () => ({ op: 'add', path: '/a'.repeat(65), value: 1 }),
    },
    {
      name: 'a pointer too long',
      reason: 'BAD_POINTER',
      json: true,
      op: () => ({ op: 'add', path: `/${'k'.repeat(5000)}`, value: 1 }),
    },
    {
      name: 'no leading slash',
      reason: 'BAD_POINTER',
      json: true,
      op: () => ({ op: 'remove', path: 'a/b' }),
    },
    { name: 'a bad escape', reason: 'BAD_POINTER', json: true, op: () => ({ op: 'remove', path: '/a~2b' }) },
    {
      name: 'a path of the wrong type',
      reason: 'BAD_POINTER',
      json: true,
      op: () => ({ op: 'add', path: 7, value: 1 }),
    },
    { name: 'move without from', reason: 'BAD_POINTER', json: true, op: () => ({ op: 'move', path: '/a' }) },
    {
      name: 'an unknown op',
      reason: 'UNKNOWN_OP',
      json: true,
      op: () => ({ op: rnd() < 0.5 ? 'ADD' : 'merge', path: '/a', value: 1 }),
    },
    { name: 'no op', reason: 'UNKNOWN_OP', json: true, op: () => ({ path: '/a', value: 1 }) },
    {
      name: 'an op that is not an object',
      reason: 'NOT_AN_OPERATION',
      json: true,
      op: () => (rnd() < 0.5 ? null : ['add', '/a', 1]),
    },
    {
      name: 'add without a value',
      reason: 'MISSING_VALUE',
      json: true,
      op: () => ({ op: 'add', path: '/a' }),
    },
    {
      name: 'a value undefined',
      reason: 'MISSING_VALUE',
      json: false,
      op: () => ({ op: 'test', path: '/a', value: undefined }),
    },
    {
      name: 'NaN',
      reason: 'NOT_JSON',
      json: false,
      op: () => ({ op: 'add', path: '/a', value: { n: Number.NaN } }),
    },
    {
      name: 'Infinity',
      reason: 'NOT_JSON',
      json: false,
      op: () => ({ op: 'add', path: '/a', value: [Number.POSITIVE_INFINITY] }),
    },
    {
      name: 'undefined in an array',
      reason: 'NOT_JSON',
      json: false,
      op: () => ({ op: 'add', path: '/a', value: [1, undefined] }),
    },
    {
      name: 'a sparse array',
      reason: 'NOT_JSON',
      json: false,
      op: () => ({ op: 'add', path: '/a', value: sparse() }),
    },
    {
      name: 'a Date',
      reason: 'NOT_JSON',
      json: false,
      op: () => ({ op: 'add', path: '/a', value: new Date(0) }),
    },
    {
      name: 'a Map',
      reason: 'NOT_JSON',
      json: false,
      op: () => ({ op: 'add', path: '/a', value: new Map() }),
    },
    {
      name: 'a function',
      reason: 'NOT_JSON',
      json: false,
      op: () => ({ op: 'add', path: '/a', value: () => 1 }),
    },
    { name: 'a bigint', reason: 'NOT_JSON', json: false, op: () => ({ op: 'add', path: '/a', value: 10n }) },
    {
      name: 'a symbol',
      reason: 'NOT_JSON',
      json: false,
      op: () => ({ op: 'add', path: '/a', value: Symbol('s') }),
    },
    {
      name: 'a move into its own child',
      reason: 'MOVE_INTO_ITSELF',
      json: true,
      op: () => ({ op: 'move', from: '/a', path: '/a/b' }),
    },
    {
      name: 'removing the whole document',
      reason: 'REMOVE_ROOT',
      json: true,
      op: () => ({ op: 'remove', path: '' }),
    },
  ];
  return kinds;
}

/** A valid operation to surround the hostile one with: the whole patch must be refused anyway. */
function harmless(rnd: RandomSource): unknown {
  return rnd() < 0.5 ? { op: 'add', path: '/ok', value: rnd() } : { op: 'test', path: '/ok', value: 1 };
}

/** A seeded hostile patch: a hostile operation among harmless ones, or a patch hostile as a whole. */
export function hostilePatch(rnd: RandomSource): HostilePatch {
  const r = rnd();
  if (r < 0.05)
    return {
      name: 'not an array',
      patch: { op: 'add', path: '/a', value: 1 },
      reason: 'NOT_AN_ARRAY',
      json: true,
    };
  if (r < 0.08)
    return {
      name: 'too many operations',
      patch: Array.from({ length: 1001 }, () => ({ op: 'test', path: '', value: null })),
      reason: 'TOO_MANY_OPERATIONS',
      json: true,
    };
  if (r < 0.1)
    return {
      name: 'too large',
      patch: [{ op: 'add', path: '/big', value: 'x'.repeat(1_100_000) }],
      reason: 'TOO_LARGE',
      json: true,
    };
  const kinds = hostileKinds(rnd);
  const kind = kinds[Math.floor(rnd() * kinds.length)]!;
  const patch: unknown[] = [];
  for (let n = Math.floor(rnd() * 3); n > 0; n--) patch.push(harmless(rnd));
  patch.push(kind.op());
  for (let n = Math.floor(rnd() * 2); n > 0; n--) patch.push(harmless(rnd));
  return { name: kind.name, patch, reason: kind.reason, json: kind.json };
}
