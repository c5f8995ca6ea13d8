import { describe, expect, it } from 'vitest';
import { JsonDocument, type JsonPatch, type JsonValue, type PatchResult } from '../src/index.js';

let nextIndex = 1;
function apply<T extends JsonValue>(doc: JsonDocument<T>, patch: unknown, proposer?: string): PatchResult {
  return doc.apply(proposer === undefined ? { patch } : { patch, proposer }, { index: nextIndex++, term: 1 });
}

function isDeepFrozen(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true;
  return Object.isFrozen(value) && Object.values(value).every(isDeepFrozen);
}

describe('JsonDocument applies RFC 6902 patches', () => {
  // RFC 6902 appendix A, one example per operation.
  const cases: [string, JsonValue, JsonPatch, JsonValue][] = [
    [
      'add an object member',
      { foo: 'bar' },
      [{ op: 'add', path: '/baz', value: 'qux' }],
      { foo: 'bar', baz: 'qux' },
    ],
    [
      'add an array element',
      { foo: ['bar', 'baz'] },
      [{ op: 'add', path: '/foo/1', value: 'qux' }],
      { foo: ['bar', 'qux', 'baz'] },
    ],
    ['append with -', { a: [1] }, [{ op: 'add', path: '/a/-', value: 2 }], { a: [1, 2] }],
    ['remove a member', { baz: 'qux', foo: 'bar' }, [{ op: 'remove', path: '/baz' }], { foo: 'bar' }],
    [
      'remove an element',
      { foo: ['bar', 'qux', 'baz'] },
      [{ op: 'remove', path: '/foo/1' }],
      { foo: ['bar', 'baz'] },
    ],
    [
      'replace',
      { baz: 'qux', foo: 'bar' },
      [{ op: 'replace', path: '/baz', value: 'boo' }],
      { baz: 'boo', foo: 'bar' },
    ],
    [
      'move a value',
      { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } },
      [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }],
      { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } },
    ],
    [
      'move an element',
      { foo: ['all', 'grass', 'cows', 'eat'] },
      [{ op: 'move', from: '/foo/1', path: '/foo/3' }],
      {
        foo: ['all', 'cows', 'eat', 'grass'],
      },
    ],
    [
      'move into a shifted sibling',
      { a: [{ x: 1 }, { y: 2 }, { z: 3 }] },
      [{ op: 'move', from: '/a/0', path: '/a/1/moved' }],
      { a: [{ y: 2 }, { z: 3, moved: { x: 1 } }] },
    ],
    ['copy', { a: { b: 1 } }, [{ op: 'copy', from: '/a', path: '/c' }], { a: { b: 1 }, c: { b: 1 } }],
    [
      'test then add',
      { baz: 'qux' },
      [
        { op: 'test', path: '/baz', value: 'qux' },
        { op: 'add', path: '/x', value: 1 },
      ],
      {
        baz: 'qux',
        x: 1,
      },
    ],
    ['replace the root', { a: 1 }, [{ op: 'replace', path: '', value: [1, 2] }], [1, 2]],
    ['a key with escapes', {}, [{ op: 'add', path: '/a~1b~0c', value: 1 }], { 'a/b~c': 1 }],
    ['the key "-" of an object', {}, [{ op: 'add', path: '/-', value: 1 }], { '-': 1 }],
    ['a key named like an Object method', {}, [{ op: 'add', path: '/toString', value: 1 }], { toString: 1 }],
  ];
  for (const [name, before, patch, after] of cases)
    it(name, () => {
      const doc = new JsonDocument(before);
      expect(apply(doc, patch)).toEqual({ ok: true });
      expect(doc.value).toEqual(after);
      expect(isDeepFrozen(doc.value)).toBe(true);
    });

  it('never changes a version a reader holds, and shares what a patch did not touch', () => {
    const doc = new JsonDocument({ lists: [{ cards: [{ t: 'a' }] }, { cards: [] }], meta: { n: 1 } });
    const v1 = doc.value as { lists: { cards: unknown[] }[]; meta: unknown };
    const frozenText = JSON.stringify(v1);
    apply(doc, [
      { op: 'add', path: '/lists/0/cards/-', value: { t: 'b' } },
      { op: 'replace', path: '/lists/0/cards/0/t', value: 'A' },
      { op: 'move', from: '/lists/0/cards/1', path: '/lists/1/cards/0' },
    ]);
    const v2 = doc.value as typeof v1;
    expect(JSON.stringify(v1)).toBe(frozenText);
    expect(v2).toEqual({ lists: [{ cards: [{ t: 'A' }] }, { cards: [{ t: 'b' }] }], meta: { n: 1 } });
    expect(v2.meta).toBe(v1.meta);
    expect(v2.lists[0]).not.toBe(v1.lists[0]);
    expect(isDeepFrozen(v2)).toBe(true);
  });

  it('copies share the frozen source instead of cloning it', () => {
    const doc = new JsonDocument({ a: { big: [1, 2, 3] } });
    apply(doc, [{ op: 'copy', from: '/a', path: '/b' }]);
    const v = doc.value as { a: unknown; b: unknown };
    expect(v.b).toBe(v.a);
  });

  it('does not share the values of the command it was given', () => {
    const doc = new JsonDocument({});
    const value = { deep: { x: 1 } };
    apply(doc, [{ op: 'add', path: '/v', value }]);
    value.deep.x = 2;
    expect(doc.value).toEqual({ v: { deep: { x: 1 } } });
    expect(Object.isFrozen(value)).toBe(false);
  });

  describe('a patch failing on the document changes nothing and names the operation', () => {
    const doc0 = { a: { b: [1, 2] }, s: 'x' };
    const failures: [string, JsonPatch, number, string][] = [
      [
        'a failing test',
        [
          { op: 'add', path: '/new', value: 1 },
          { op: 'test', path: '/s', value: 'y' },
        ],
        1,
        'TEST_FAILED',
      ],
      ['a test of a missing path', [{ op: 'test', path: '/missing', value: null }], 0, 'PATH_NOT_FOUND'],
      ['remove of a missing member', [{ op: 'remove', path: '/a/zz' }], 0, 'PATH_NOT_FOUND'],
      ['replace past an array end', [{ op: 'replace', path: '/a/b/2', value: 0 }], 0, 'PATH_NOT_FOUND'],
      ['add under a missing parent', [{ op: 'add', path: '/nope/x', value: 0 }], 0, 'PATH_NOT_FOUND'],
      ['add under a string', [{ op: 'add', path: '/s/x', value: 0 }], 0, 'PATH_NOT_FOUND'],
      ['add past an array end', [{ op: 'add', path: '/a/b/3', value: 0 }], 0, 'INDEX_OUT_OF_BOUNDS'],
      ['a leading zero index', [{ op: 'add', path: '/a/b/01', value: 0 }], 0, 'PATH_NOT_FOUND'],
      ['a word as array index', [{ op: 'remove', path: '/a/b/length' }], 0, 'PATH_NOT_FOUND'],
      ['remove of "-"', [{ op: 'remove', path: '/a/b/-' }], 0, 'PATH_NOT_FOUND'],
      ['an inherited name', [{ op: 'remove', path: '/toString' }], 0, 'PATH_NOT_FOUND'],
      [
        'copy from an inherited name',
        [{ op: 'copy', from: '/hasOwnProperty', path: '/f' }],
        0,
        'PATH_NOT_FOUND',
      ],
      [
        'move from a missing path',
        [
          { op: 'add', path: '/ok', value: 1 },
          { op: 'move', from: '/x', path: '/y' },
        ],
        1,
        'PATH_NOT_FOUND',
      ],
    ];
    for (const [name, patch, operation, reason] of failures)
      it(name, () => {
        const doc = new JsonDocument(doc0);
        const before = doc.value;
        const result = apply(doc, patch);
        expect(result).toMatchObject({ conflict: { operation, reason } });
        expect(doc.value).toBe(before);
      });
  });

  it('refuses a command that is not a valid patch, changing nothing', () => {
    const doc = new JsonDocument({ a: 1 });
    const before = doc.value;
    for (const command of [
      null,
      'x',
      { patch: 'nope' },
      { patch: [{ op: 'add', path: '/__proto__/polluted', value: 1 }] },
      { patch: [], proposer: 42 },
    ]) {
      expect(doc.apply(command, { index: nextIndex++, term: 1 })).toHaveProperty('invalid');
      expect(doc.value).toBe(before);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a move or copy that would nest the document too deeply fails alike', () => {
    let deep: JsonValue = 0;
    for (let i = 0; i < 63; i++) deep = { d: deep };
    // Deeper than a patch may carry: the initial document may be (up to maxDocumentDepth).
    const doc = new JsonDocument({ a: deep });
    const path = `/a${'/d'.repeat(62)}`;
    // 63 levels copied under a 63-segment path: 126 fits; /a is then 125 deep, and under 64 it does not.
    expect(apply(doc, [{ op: 'copy', from: '/a', path }])).toEqual({ ok: true });
    const before = doc.value;
    expect(apply(doc, [{ op: 'copy', from: '/a', path: `${path}/d` }])).toMatchObject({
      conflict: { reason: 'TOO_DEEP' },
    });
    expect(doc.value).toBe(before);
  });

  it('tells subscribers the patch, index, proposer and both versions; a throwing one does not break apply', () => {
    const errors: unknown[] = [];
    const doc = new JsonDocument({ n: 0 }, { onListenerError: (e) => errors.push(e) });
    const seen: unknown[] = [];
    doc.subscribe(() => {
      throw new Error('listener bug');
    });
    const unsubscribe = doc.subscribe((c) => seen.push(c));
    const result = doc.apply(
      { patch: [{ op: 'replace', path: '/n', value: 1 }], proposer: 'tab-1' },
      { index: 7, term: 2 },
    );
    expect(result).toEqual({ ok: true });
    expect(seen).toEqual([
      {
        patch: [{ op: 'replace', path: '/n', value: 1 }],
        index: 7,
        proposer: 'tab-1',
        value: { n: 1 },
        previous: { n: 0 },
      },
    ]);
    expect(errors).toHaveLength(1);
    unsubscribe();
    // The patch subscribers get is frozen and detached from the command (on a leader, the log's own entry).
    const command = { patch: [{ op: 'add', path: '/o', value: { inner: [1] } }] };
    const heard: JsonPatch[] = [];
    const stop = doc.subscribe((c) => heard.push(c.patch));
    doc.apply(command, { index: 8, term: 2 });
    stop();
    expect(isDeepFrozen(heard[0])).toBe(true);
    expect(heard[0]![0]).not.toBe(command.patch[0]);
    expect(Object.isFrozen(command.patch[0]!.value)).toBe(false);
    apply(doc, [{ op: 'replace', path: '/n', value: 2 }]);
    expect(seen).toHaveLength(1);
  });

  it('snapshot and restore carry the document and its index', () => {
    const a = new JsonDocument({});
    a.apply({ patch: [{ op: 'add', path: '/x', value: [1, { y: 2 }] }] }, { index: 5, term: 1 });
    const snapshot = JSON.parse(JSON.stringify(a.snapshot()));
    const b = new JsonDocument({ other: true });
    const heard: unknown[] = [];
    b.subscribe((c) => heard.push(c));
    b.restore(snapshot);
    expect(b.value).toEqual(a.value);
    expect(b.index).toBe(5);
    expect(isDeepFrozen(b.value)).toBe(true);
    expect(heard).toMatchObject([{ restored: true, index: 5, value: { x: [1, { y: 2 }] } }]);
    expect(() => b.restore({ nope: 1 })).toThrow(/snapshot/);
  });

  it('refuses an initial document that is not JSON', () => {
    expect(() => new JsonDocument({ d: new Date() } as never)).toThrow(/plain JSON/);
  });
});
