import { describe, expect, it } from 'vitest';
import { InvalidCommandError, ProposalRefusedError } from '../../src/errors.js';
import { encodeCommand } from '../../src/protocol/encode-command.js';
import { MAX_JSON_DEPTH, measureJson } from '../../src/protocol/validate-json.js';
import { seededRandom } from '../../src/runtime/clock.js';

const MAX = 1024 * 1024;

function refusal(command: unknown): InvalidCommandError {
  try {
    encodeCommand(command, MAX);
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidCommandError);
    return e as InvalidCommandError;
  }
  throw new Error('the command was accepted');
}

function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = { n: value };
  return value;
}

describe('encodeCommand refuses what JSON cannot carry or would change', () => {
  const sparse: unknown[] = [1];
  sparse[2] = 3; // index 1 is a hole
  class Point {
    x = 1;
  }
  class List extends Array {}
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  const deepCycle: Record<string, unknown> = { list: [] };
  (deepCycle.list as unknown[]).push({ back: deepCycle });
  const hidden = { a: 1 };
  Object.defineProperty(hidden, 'toJSON', { value: () => 'x', enumerable: false });
  const throwing = {
    get bad(): number {
      throw new Error('no');
    },
  };
  const cases: [string, unknown, string, RegExp][] = [
    ['NaN', { a: Number.NaN }, '$.a', /NaN/],
    ['Infinity', [Number.POSITIVE_INFINITY], '$[0]', /Infinity/],
    ['-Infinity at the top', Number.NEGATIVE_INFINITY, '$', /-Infinity/],
    ['undefined at the top', undefined, '$', /undefined/],
    ['undefined in an array', { list: [1, undefined] }, '$.list[1]', /undefined/],
    ['a sparse array', sparse, '$[1]', /hole/],
    ['a function', { f: () => 1 }, '$.f', /function/],
    ['a symbol', [Symbol('s')], '$[0]', /symbol/],
    ['a bigint', { n: 10n }, '$.n', /bigint/],
    ['a cycle', cyclic, '$', /contains itself/],
    ['a cycle through an array', { top: deepCycle }, '$.top', /contains itself/],
    [
      'nesting deeper than the validator accepts',
      nested(MAX_JSON_DEPTH + 1),
      '$' + '.n'.repeat(MAX_JSON_DEPTH),
      /deeper/,
    ],
    ['a Map', { m: new Map([[1, 2]]) }, '$.m', /a Map/],
    ['a Set', new Set([1]), '$', /a Set/],
    ['a Date', { at: new Date(0) }, '$.at', /a Date/],
    ['a class instance', [new Point()], '$[0]', /a Point/],
    ['a typed array', { bytes: new Uint8Array(2) }, '$.bytes', /a Uint8Array/],
    ['an Array subclass', List.from([1]), '$', /Array subclass/],
    ['an own toJSON', { v: { toJSON: () => 1 } }, '$.v', /toJSON/],
    ['a hidden toJSON', hidden, '$', /toJSON/],
    ['a throwing getter', { inner: throwing }, '$.inner.bad', /could not be read/],
  ];
  it.each(cases)('%s', (_what, command, path, reason) => {
    const error = refusal(command);
    expect(error.path).toBe(path);
    expect(error.code).toBe('INVALID_COMMAND');
    expect(error.message).toMatch(reason);
  });

  it('refuses a command over the limit as TOO_LARGE, without walking the rest', () => {
    let reads = 0;
    const big = Array.from({ length: 1000 }, () => ({
      get x() {
        reads++;
        return 'y'.repeat(100);
      },
    }));
    expect(() => encodeCommand(big, 1000)).toThrow(ProposalRefusedError);
    try {
      encodeCommand(big, 1000);
    } catch (e) {
      expect((e as ProposalRefusedError).code).toBe('TOO_LARGE');
    }
    expect(reads).toBeLessThan(30);
    // Exactly at the limit is fine.
    const text = 'x'.repeat(98);
    expect(encodeCommand(text, 100).length).toBe(100);
    expect(() => encodeCommand(text, 99)).toThrow(ProposalRefusedError);
  });

  it('a shared subtree that would blow up exponentially stops at the limit', () => {
    let value: unknown = 'leaf';
    for (let i = 0; i < 40; i++) value = [value, value];
    expect(() => encodeCommand(value, MAX)).toThrow(ProposalRefusedError);
  });
});

describe('encodeCommand accepts plain JSON', () => {
  it('leaves out undefined properties and turns -0 into 0, as JSON does', () => {
    const { data, length } = encodeCommand({ a: undefined, b: -0, c: [-0] }, MAX);
    expect(data).toEqual({ b: 0, c: [0] });
    expect(Object.keys(data as object)).toEqual(['b', 'c']);
    expect(Object.is((data as { b: number }).b, 0)).toBe(true);
    expect(length).toBe(JSON.stringify({ b: 0, c: [0] }).length);
  });

  it('keeps an own __proto__ key as a key, and null-prototype objects', () => {
    const parsed = JSON.parse('{"__proto__":{"x":1},"y":2}');
    const { data } = encodeCommand(parsed, MAX);
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect(Object.keys(data as object)).toEqual(['__proto__', 'y']);
    expect(JSON.stringify(data)).toBe('{"__proto__":{"x":1},"y":2}');
    const bare = Object.assign(Object.create(null), { k: 1 });
    expect(encodeCommand(bare, MAX).data).toEqual({ k: 1 });
  });

  it('copies: later changes to the caller object do not reach the copy', () => {
    const command = { list: [{ n: 1 }], nested: { deep: { v: 'x' } } };
    const { data } = encodeCommand(command, MAX);
    command.list[0]!.n = 2;
    command.nested.deep.v = 'y';
    expect(data).toEqual({ list: [{ n: 1 }], nested: { deep: { v: 'x' } } });
  });

  it('nesting up to the validator limit is accepted', () => {
    expect(() => encodeCommand(nested(MAX_JSON_DEPTH), MAX)).not.toThrow();
  });

  it('on random JSON values: the copy equals the JSON round trip and the length is exact', () => {
    const random = seededRandom(9);
    const strings = [
      '',
      'a',
      'quote"',
      'back\\slash',
      'tab\t',
      'nul\u0000',
      '\u001f',
      'é',
      '😀',
      '\ud800',
      'x\udc00y',
      '\u2028',
    ];
    const make = (depth: number): unknown => {
      const r = random();
      if (depth > 4 || r < 0.3) {
        const k = random();
        if (k < 0.2) return strings[Math.floor(random() * strings.length)];
        if (k < 0.4) return Math.floor((random() - 0.5) * 1e6);
        if (k < 0.55) return (random() - 0.5) * 10 ** Math.floor(random() * 40 - 20);
        if (k < 0.7) return random() < 0.5;
        if (k < 0.8) return null;
        return Number.MAX_SAFE_INTEGER * (random() < 0.5 ? 1 : -1) * 3;
      }
      if (r < 0.65) return Array.from({ length: Math.floor(random() * 4) }, () => make(depth + 1));
      const out: Record<string, unknown> = {};
      const n = Math.floor(random() * 4);
      for (let i = 0; i < n; i++) out[strings[Math.floor(random() * strings.length)]! + i] = make(depth + 1);
      if (random() < 0.3) out['7'] = make(depth + 1);
      return out;
    };
    for (let i = 0; i < 2000; i++) {
      const value = make(0);
      const json = JSON.stringify(value);
      const { data, length } = encodeCommand(value, MAX);
      expect(length).toBe(json.length);
      expect(JSON.stringify(data)).toBe(json);
      expect(data).toEqual(JSON.parse(json));
      // What the leader appends, the followers' validator accepts: its estimate counts one comma too
      // many per object (of at least 6 characters), so it stays within 7/6 of the exact length, and
      // commands may be at most half a message (check-options.ts).
      expect(measureJson(data, MAX)).toBeLessThanOrEqual(Math.ceil((length * 7) / 6));
    }
  });
});
