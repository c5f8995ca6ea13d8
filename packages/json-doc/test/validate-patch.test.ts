import { seededRandom } from '@webraft/core';
import { describe, expect, it } from 'vitest';
import { checkPatch, InvalidPatchError, PATCH_LIMITS, validatePatch } from '../src/index.js';
import { hostileKinds } from './hostile-patch.js';

describe('checkPatch', () => {
  it('refuses every kind of hostile operation with its reason, naming the operation', () => {
    const kinds = hostileKinds(seededRandom(1));
    for (const kind of kinds) {
      const result = checkPatch([{ op: 'test', path: '', value: {} }, kind.op()]);
      expect(result, kind.name).toBeInstanceOf(InvalidPatchError);
      const error = result as InvalidPatchError;
      expect(error.reason, kind.name).toBe(kind.reason);
      expect(error.operation, kind.name).toBe(1);
      expect(error.code).toBe('INVALID_PATCH');
    }
  });

  it('refuses patches that are not arrays, too long or too large', () => {
    expect((checkPatch('[]') as InvalidPatchError).reason).toBe('NOT_AN_ARRAY');
    const many = Array.from({ length: PATCH_LIMITS.maxOperations + 1 }, () => ({ op: 'remove', path: '/a' }));
    expect((checkPatch(many) as InvalidPatchError).reason).toBe('TOO_MANY_OPERATIONS');
    const big = [{ op: 'add', path: '/a', value: 'x'.repeat(PATCH_LIMITS.maxPatchChars) }];
    expect((checkPatch(big) as InvalidPatchError).reason).toBe('TOO_LARGE');
  });

  it('keeps only the RFC 6902 members of each operation (others are ignored, as the RFC says)', () => {
    const { patch } = validatePatch([
      { op: 'add', path: '/a', value: 1, extra: 'dropped' },
      { op: 'move', from: '/a', path: '/b', value: 'ignored' },
    ]);
    expect(patch).toEqual([
      { op: 'add', path: '/a', value: 1 },
      { op: 'move', from: '/a', path: '/b' },
    ]);
  });

  it('reads each member once: a getter cannot show one value to the check and another to the log', () => {
    let reads = 0;
    const op = {
      op: 'add',
      get path() {
        reads++;
        return reads === 1 ? '/fine' : '/__proto__/polluted';
      },
      value: 1,
    };
    expect(validatePatch([op]).patch).toEqual([{ op: 'add', path: '/fine', value: 1 }]);
  });

  it('a getter that throws is refused as not JSON, and a bad value is located in the message', () => {
    const op = {
      op: 'add',
      path: '/a',
      get value() {
        throw new Error('boom');
      },
    };
    expect((checkPatch([op]) as InvalidPatchError).reason).toBe('NOT_JSON');
    const located = checkPatch([
      { op: 'add', path: '/a', value: { list: [1, Number.NaN] } },
    ]) as InvalidPatchError;
    expect(located.message).toContain('$.list[1] is NaN');
  });

  it('accepts the edge cases RFC 6901 allows', () => {
    expect(checkPatch([])).not.toBeInstanceOf(InvalidPatchError);
    for (const path of ['', '/', '/~0~1', '/a/-', '/0', '/toString', '/ /x'])
      expect(checkPatch([{ op: 'add', path, value: null }]), path).not.toBeInstanceOf(InvalidPatchError);
  });
});
