/**
 * Measures what applying one patch costs, by document size: `JsonDocument.apply` (validation, then
 * copy-on-write with structural sharing and freezing of the new containers only) against the
 * alternative of a deep clone then a deep freeze (fast-json-patch's `applyPatch` with
 * `mutateDocument: false`, then freezing the result), and fast-json-patch mutating in place (the
 * floor, which readers of an old value would see change). Run: `pnpm --filter @webraft/json-doc measure`.
 */
import fastJsonPatch from 'fast-json-patch';
import { JsonDocument, type JsonPatch, type JsonValue } from '../src/index.js';

declare const process: { argv: string[] };
declare function gc(): void;

/** A board: `lists` lists of 100 cards, each card a few fields and a small array. */
function board(cards: number): JsonValue {
  const lists = [];
  for (let l = 0; l < cards / 100; l++) {
    const list = [];
    for (let c = 0; c < 100; c++)
      list.push({ id: `c${l}-${c}`, title: `card ${c} of list ${l}`, done: c % 3 === 0, tags: ['a', 'b'] });
    lists.push({ name: `list ${l}`, cards: list });
  }
  return { title: 'board', lists };
}

function patchFor(i: number, cards: number): JsonPatch {
  const l = i % (cards / 100);
  return [
    { op: 'test', path: `/lists/${l}/name`, value: `list ${l}` },
    { op: 'replace', path: `/lists/${l}/cards/${i % 100}/title`, value: `renamed ${i}` },
    { op: 'add', path: `/lists/${l}/cards/-`, value: { id: `n${i}`, title: 'new', done: false, tags: [] } },
    { op: 'remove', path: `/lists/${l}/cards/0` },
  ];
}

function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null) return;
  for (const child of Object.values(value)) deepFreeze(child);
  Object.freeze(value);
}

/** Median µs per call of `run(i)` over `n` calls, in 5 rounds. */
function measure(n: number, run: (i: number) => void): number {
  const rounds: number[] = [];
  for (let r = 0; r < 5; r++) {
    if (typeof gc === 'function') gc();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) run(r * n + i);
    rounds.push(((performance.now() - t0) * 1000) / n);
  }
  rounds.sort((a, b) => a - b);
  return rounds[2]!;
}

const sizes = process.argv.includes('--quick') ? [1_000, 10_000] : [1_000, 10_000, 100_000];
console.log('cards    JSON chars   copy-on-write   deep clone + freeze   mutate in place (unsafe)');
for (const cards of sizes) {
  const initial = board(cards);
  const n = cards >= 100_000 ? 20 : cards >= 10_000 ? 200 : 2_000;
  const doc = new JsonDocument(initial);
  let index = 0;
  const cow = measure(n * 10, (i) => {
    doc.apply({ patch: patchFor(i, cards) }, { index: ++index, term: 1 });
  });
  let cloned = initial;
  const clone = measure(n, (i) => {
    cloned = fastJsonPatch.applyPatch(cloned, patchFor(i, cards) as never, false, false).newDocument;
    deepFreeze(cloned);
  });
  const mutable = JSON.parse(JSON.stringify(initial));
  const inPlace = measure(n * 10, (i) => {
    fastJsonPatch.applyPatch(mutable, patchFor(i, cards) as never, false, true);
  });
  const chars = JSON.stringify(initial).length;
  console.log(
    `${String(cards).padEnd(8)} ${String(chars).padEnd(12)} ${cow.toFixed(1).padStart(8)} µs     ${clone.toFixed(0).padStart(10)} µs          ${inPlace.toFixed(1).padStart(8)} µs`,
  );
}
