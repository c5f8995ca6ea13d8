import { describe, expect, it } from 'vitest';
import { cloneJson } from '../../src/protocol/clone-json.js';

describe('cloneJson', () => {
  it('copies nested objects and arrays, sharing nothing', () => {
    const value = { op: 'put', doc: { id: 1, tags: ['a', { b: [2, null] }] }, n: 0, ok: true };
    const copy = cloneJson(value);
    expect(copy).toEqual(value);
    expect(copy).not.toBe(value);
    expect(copy.doc).not.toBe(value.doc);
    expect(copy.doc.tags).not.toBe(value.doc.tags);
    expect(copy.doc.tags[1]).not.toBe(value.doc.tags[1]);
    value.doc.tags.push('later');
    expect(copy.doc.tags).toHaveLength(2);
  });

  it('keeps an own __proto__ key as a property, as JSON.parse makes it', () => {
    const value = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
    const copy = cloneJson(value);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.keys(copy)).toEqual(['__proto__', 'a']);
    expect((copy as { polluted?: boolean }).polluted).toBeUndefined();
    expect(JSON.stringify(copy)).toBe(JSON.stringify(value));
  });

  it('refuses what JSON cannot carry, also inside objects and arrays', () => {
    expect(() => cloneJson({ f: () => 1 })).toThrow(TypeError);
    expect(() => cloneJson([1n])).toThrow(TypeError);
    expect(() => cloneJson({ s: Symbol('x') })).toThrow(TypeError);
  });

  it('copies other objects with structuredClone', () => {
    const date = new Date(0);
    const copy = cloneJson({ when: date });
    expect(copy.when).toBeInstanceOf(Date);
    expect(copy.when).not.toBe(date);
    expect(copy.when.getTime()).toBe(0);
  });
});
