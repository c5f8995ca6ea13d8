import type { ProposeResult } from '@webraft/core';
import { describe, expect, it } from 'vitest';
import {
  createJsonDoc,
  type JsonDocRaft,
  JsonDocument,
  type JsonValue,
  PatchConflictError,
} from '../src/index.js';

/**
 * A node stand-in that commits when told: `commit(i)` applies the i-th proposal to the document
 * (as the core applies an entry) and then settles its promise with what `apply` returned.
 */
function manualRaft<T extends JsonValue>(doc: JsonDocument<T>) {
  const proposals: { command: unknown; settle: (r: ProposeResult) => void }[] = [];
  let index = 0;
  const raft: JsonDocRaft = {
    address: 'me',
    propose: (command) => new Promise((resolve) => proposals.push({ command, settle: resolve })),
    read: async () => ({ index }),
  };
  return {
    raft,
    commit(i: number) {
      const p = proposals[i]!;
      index++;
      const result = doc.apply(p.command, { index, term: 1 });
      p.settle({ index, term: 1, result });
    },
    /** Another node's patch, committed before ours. */
    commitForeign(patch: unknown) {
      index++;
      doc.apply({ patch, proposer: 'other' }, { index, term: 1 });
    },
  };
}

type Doc = { n: number; items: string[] };
const value = (v: unknown) => v as Doc;

describe('the optimistic view', () => {
  it('stacks pending patches in order, and drops each once applied (never applies it twice)', async () => {
    const doc = new JsonDocument<Doc>({ n: 0, items: [] });
    const node = manualRaft(doc);
    const h = createJsonDoc(node.raft, doc);
    const first = h.optimistic([{ op: 'add', path: '/items/-', value: 'a' }]);
    const second = h.optimistic([{ op: 'add', path: '/items/-', value: 'b' }]);
    expect(value(h.optimisticValue).items).toEqual(['a', 'b']);
    node.commit(0);
    // Applied: in `value` now, and shown once.
    expect(value(h.value).items).toEqual(['a']);
    expect(value(h.optimisticValue).items).toEqual(['a', 'b']);
    await first;
    node.commit(1);
    await second;
    expect(h.optimisticValue).toBe(h.value);
  });

  it('rolls back a patch that fails, and leaves out one that would fail on the current value', async () => {
    const doc = new JsonDocument<Doc>({ n: 0, items: [] });
    const node = manualRaft(doc);
    const h = createJsonDoc(node.raft, doc);
    const seen: unknown[] = [];
    h.subscribeOptimistic((v) => seen.push(v));
    const guarded = h.optimistic([
      { op: 'test', path: '/n', value: 0 },
      { op: 'replace', path: '/n', value: 1 },
    ]);
    expect(value(h.optimisticValue).n).toBe(1);
    // Another node changes /n first: our test no longer holds, so the view leaves the patch out at once.
    node.commitForeign([{ op: 'replace', path: '/n', value: 5 }]);
    expect(value(h.optimisticValue).n).toBe(5);
    node.commit(0);
    await expect(guarded).rejects.toBeInstanceOf(PatchConflictError);
    expect(h.optimisticValue).toBe(h.value);
    expect(seen.map((v) => value(v).n)).toEqual([1, 5]);
  });
});
