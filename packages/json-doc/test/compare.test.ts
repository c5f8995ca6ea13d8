import { seededRandom } from '@webraft/core';
import { describe, expect, it } from 'vitest';
import { compare, JsonDocument, type JsonValue } from '../src/index.js';
import { randomValue } from './random-patch.js';

// SEED=s replays one seed of the property below.
const seed = Number(process.env.SEED ?? 5150);

function applied(
  before: JsonValue,
  patch: ReturnType<typeof compare>,
): { doc: JsonDocument; result: unknown } {
  const doc = new JsonDocument(before);
  return { doc, result: doc.apply({ patch }, { index: 1, term: 1 }) };
}

describe('compare', () => {
  it(`builds a patch that turns before into after, guarded or not (seed ${seed})`, () => {
    const rnd = seededRandom(seed);
    for (let i = 0; i < 300; i++) {
      const before = { v: randomValue(rnd, 3) };
      const after = { v: randomValue(rnd, 3) };
      for (const guard of [false, true]) {
        const { doc, result } = applied(before, compare(before, after, { guard }));
        expect(
          result,
          `seed ${seed}, case ${i}; replay: SEED=${seed} pnpm vitest run packages/json-doc/test/compare.test.ts`,
        ).toEqual({ ok: true });
        expect(doc.value).toEqual(after);
      }
    }
  });

  it('with guard, the patch fails where a value it replaces changed since', () => {
    const before = { title: 'a', cards: ['x', 'y'] };
    const patch = compare(before, { title: 'b', cards: ['x', 'y'] }, { guard: true });
    expect(patch[0]).toEqual({ op: 'test', path: '/title', value: 'a' });
    const { result } = applied({ title: 'changed by someone else', cards: ['x', 'y'] }, patch);
    expect(result).toMatchObject({ conflict: { operation: 0, reason: 'TEST_FAILED' } });
    // Unguarded, it overwrites.
    const { doc } = applied(
      { title: 'changed', cards: [] },
      compare(before, { title: 'b', cards: ['x', 'y'] }),
    );
    expect((doc.value as { title: string }).title).toBe('b');
  });
});

describe('compare at the root', () => {
  it('replaces a root that is not a container, or that changes kind', () => {
    for (const [before, after] of [
      [1, 2],
      ['a', { a: 1 }],
      [[1], { 0: 1 }],
      [{ a: 1 }, [1]],
      [null, []],
    ] as [JsonValue, JsonValue][]) {
      for (const guard of [false, true]) {
        const { doc, result } = applied(before, compare(before, after, { guard }));
        expect(result).toEqual({ ok: true });
        expect(doc.value).toEqual(after);
      }
    }
    expect(compare(3, 3)).toEqual([]);
  });
});
