/**
 * A linearizability checker for a small key-value model (Wing & Gong's search with Lowe's memoization,
 * as in Porcupine and Knossos). Record what clients saw against a cluster, in whatever time base you
 * like (the simulator's virtual time works), then ask whether some single order of the operations,
 * consistent with their real-time order, explains every output.
 *
 * The model. Each key holds a list of strings, initially `[]`:
 * - `put(key, v)` sets it to `[v]` and outputs the new value `[v]`;
 * - `append(key, v)` pushes `v` and outputs the new value;
 * - `cas(key, expected, v)` sets it to `[v]` iff the current value equals `expected` (a string array,
 *   compared as JSON) and outputs `{ ok: boolean }` (a bare boolean is accepted too);
 * - `get(key)` outputs the current value.
 * A write whose `output` is `undefined` is known to have taken effect but its output is not checked.
 *
 * Unknown outcomes. `ret: null` means the client never learned the outcome (a timeout, an
 * `OutcomeUnknownError`, a crash under the request): the operation may have taken effect at any time
 * after its call, or never. It is treated as returning at +Infinity, with no output to match, and it
 * need not be linearized at all (linearizing it after everything else is the same as it never
 * happening). A `get` with `ret: null` (or with no output) constrains nothing and is ignored.
 *
 * Real-time order: `a` precedes `b` iff `a.ret < b.call`. Equal times count as concurrent, so a
 * coarse clock can only make the check more lenient, never report a false violation.
 *
 * Operations on different keys never interact, so the history is split by key and each part is
 * checked on its own (P-compositionality: Herlihy & Wing, section 3.3). The search stops after
 * `maxStates` explored configurations and answers `ok: 'unknown'` rather than hang.
 */

export type KvOperationKind = 'get' | 'put' | 'cas' | 'append';

/** One client operation as observed from outside the cluster. */
export interface KvOperation {
  /** Who issued it (only used in explanations). */
  client: string | number;
  kind: KvOperationKind;
  key: string;
  /** The string a `put`, `append` or `cas` writes. */
  value?: string;
  /** For `cas`: the value the key must hold for the swap to happen. */
  expected?: readonly string[];
  /** What the client observed (see the model above); `undefined` for "not checked". */
  output?: unknown;
  /** When the client issued the call. */
  call: number;
  /** When the client got the answer, or `null` when the outcome is unknown. */
  ret: number | null;
}

export type LinearizabilityResult =
  | { ok: true }
  | { ok: false; key: string; explanation: string }
  | { ok: 'unknown'; key: string; explanation: string };

export interface LinearizabilityOptions {
  /** Configurations (linearized set, model state) the search may visit per key. Default 200 000. */
  maxStates?: number;
}

interface Prepared {
  op: KvOperation;
  /** Position in the original history (for explanations). */
  position: number;
  call: number;
  ret: number;
  /** Completed operations must be linearized; unknown-outcome ones may be left out. */
  required: boolean;
  /** The output as JSON, or null when it is not checked. */
  outputJson: string | null;
  casOk: boolean | null;
  expectedJson: string;
}

interface Frame {
  bits: Uint32Array;
  state: number;
  /** Required operations linearized so far. */
  done: number;
  /** Operations that may be linearized next (computed on first visit). */
  candidates: number[] | null;
  next: number;
  /** The operation whose linearization led here (-1 at the root). */
  via: number;
}

/**
 * Checks a key-value history for linearizability. Returns `{ ok: true }`, or the first key whose
 * operations admit no linearization with an explanation, or `{ ok: 'unknown' }` when the budget ran out.
 */
export function checkKvLinearizability(
  history: readonly KvOperation[],
  options: LinearizabilityOptions = {},
): LinearizabilityResult {
  const maxStates = options.maxStates ?? 200_000;
  const byKey = new Map<string, Prepared[]>();
  history.forEach((op, position) => {
    const p = prepare(op, position);
    if (!p) return;
    let list = byKey.get(op.key);
    if (!list) {
      list = [];
      byKey.set(op.key, list);
    }
    list.push(p);
  });
  let unknown: LinearizabilityResult | null = null;
  for (const [key, ops] of byKey) {
    const result = checkKey(key, ops, maxStates);
    if (result.ok === false) return result;
    // Keep looking: another key may still show a definite violation.
    if (result.ok === 'unknown') unknown ??= result;
  }
  return unknown ?? { ok: true };
}

function prepare(op: KvOperation, position: number): Prepared | null {
  const where = `operation ${position} (${op.kind} on ${JSON.stringify(op.key)})`;
  if (!Number.isFinite(op.call)) throw new TypeError(`${where}: call must be a finite number`);
  if (op.ret !== null && !(op.ret >= op.call)) throw new TypeError(`${where}: ret is before call`);
  if (op.kind !== 'get' && typeof op.value !== 'string')
    throw new TypeError(`${where}: value must be a string`);
  if (op.kind === 'cas' && !Array.isArray(op.expected))
    throw new TypeError(`${where}: expected must be a string array`);
  if (!['get', 'put', 'cas', 'append'].includes(op.kind)) throw new TypeError(`${where}: unknown kind`);
  const known = op.ret !== null && op.output !== undefined;
  // A read that did not complete, or whose output was not recorded, has no effect and says nothing.
  if (op.kind === 'get' && !known) return null;
  let casOk: boolean | null = null;
  if (op.kind === 'cas' && known) {
    const out = op.output as { ok?: unknown } | boolean;
    const ok = typeof out === 'boolean' ? out : out?.ok;
    if (typeof ok !== 'boolean') throw new TypeError(`${where}: a cas output is { ok: boolean }`);
    casOk = ok;
  }
  return {
    op,
    position,
    call: op.call,
    ret: op.ret ?? Number.POSITIVE_INFINITY,
    required: op.ret !== null,
    outputJson: known && op.kind !== 'cas' ? JSON.stringify(op.output) : null,
    casOk,
    expectedJson: op.kind === 'cas' ? JSON.stringify(op.expected) : '',
  };
}

/** The model's transition, or null when the operation's recorded output contradicts it. */
function step(state: readonly string[], stateJson: string, p: Prepared): readonly string[] | null {
  const op = p.op;
  switch (op.kind) {
    case 'get':
      return p.outputJson === stateJson ? state : null;
    case 'put':
    case 'append': {
      const next = op.kind === 'put' ? [op.value!] : [...state, op.value!];
      return p.outputJson === null || p.outputJson === JSON.stringify(next) ? next : null;
    }
    case 'cas': {
      const swapped = p.expectedJson === stateJson;
      if (p.casOk !== null && p.casOk !== swapped) return null;
      return swapped ? [op.value!] : state;
    }
  }
}

function checkKey(key: string, unsorted: Prepared[], maxStates: number): LinearizabilityResult {
  const ops = [...unsorted].sort((a, b) => a.call - b.call || a.position - b.position);
  const n = ops.length;
  const required = ops.filter((p) => p.required).length;
  if (required === 0) return { ok: true };
  const byRet = ops.map((_, i) => i).sort((a, b) => ops[a]!.ret - ops[b]!.ret);
  const words = (n + 31) >>> 5;
  const has = (bits: Uint32Array, i: number) => (bits[i >>> 5]! & (1 << (i & 31))) !== 0;

  // Model states, interned by their JSON.
  const states: (readonly string[])[] = [[]];
  const stateJson: string[] = ['[]'];
  const stateIds = new Map<string, number>([['[]', 0]]);
  const intern = (s: readonly string[]): number => {
    const json = JSON.stringify(s);
    let id = stateIds.get(json);
    if (id === undefined) {
      id = states.length;
      states.push(s);
      stateJson.push(json);
      stateIds.set(json, id);
    }
    return id;
  };

  /** Operations that may come next: not linearized, and called before every pending one returned. */
  const candidatesOf = (bits: Uint32Array): number[] => {
    let minRet = Number.POSITIVE_INFINITY;
    for (const i of byRet) {
      if (!has(bits, i)) {
        minRet = ops[i]!.ret;
        break;
      }
    }
    const out: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < n; i++) {
      const p = ops[i]!;
      if (p.call > minRet) break;
      if (has(bits, i)) continue;
      // Completed operations first: an unknown-outcome one most often never happened, or happened late.
      (p.required ? out : unknown).push(i);
    }
    return out.concat(unknown);
  };

  const cache = new Set<string>();
  const cacheKey = (bits: Uint32Array, state: number): string => {
    let s = String(state);
    for (let w = 0; w < words; w++) s += `,${bits[w]!.toString(36)}`;
    return s;
  };

  const root: Frame = { bits: new Uint32Array(words), state: 0, done: 0, candidates: null, next: 0, via: -1 };
  const stack: Frame[] = [root];
  let best: { path: number[]; frame: Frame } = { path: [], frame: root };
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    if (frame.candidates === null) {
      frame.candidates = candidatesOf(frame.bits);
      if (frame.done > best.frame.done) best = { path: stack.slice(1).map((f) => f.via), frame };
    }
    if (frame.next >= frame.candidates.length) {
      stack.pop();
      continue;
    }
    const i = frame.candidates[frame.next++]!;
    const p = ops[i]!;
    const next = step(states[frame.state]!, stateJson[frame.state]!, p);
    if (next === null) continue;
    const done = frame.done + (p.required ? 1 : 0);
    if (done === required) return { ok: true };
    const bits = frame.bits.slice();
    bits[i >>> 5]! |= 1 << (i & 31);
    const state = next === states[frame.state] ? frame.state : intern(next);
    const k = cacheKey(bits, state);
    if (cache.has(k)) continue;
    cache.add(k);
    if (cache.size > maxStates) {
      return {
        ok: 'unknown',
        key,
        explanation: `the search budget ran out on key ${JSON.stringify(key)} (${n} operations, ${cache.size} configurations explored); raise maxStates`,
      };
    }
    stack.push({ bits, state, done, candidates: null, next: 0, via: i });
  }
  return { ok: false, key, explanation: explain(key, ops, best.path, best.frame, states, stateJson) };
}

function describeOp(p: Prepared): string {
  const op = p.op;
  let args = '';
  if (op.kind === 'cas') args = `, ${JSON.stringify(op.expected)} -> ${JSON.stringify(op.value)}`;
  else if (op.kind !== 'get') args = `, ${JSON.stringify(op.value)}`;
  const out =
    op.ret === null
      ? '? (outcome unknown)'
      : op.output === undefined
        ? '(unchecked)'
        : JSON.stringify(op.output);
  const ret = op.ret === null ? '∞' : String(op.ret);
  return `#${p.position} client ${op.client}: ${op.kind}(${JSON.stringify(op.key)}${args}) => ${out} [${op.call}, ${ret}]`;
}

function explain(
  key: string,
  ops: Prepared[],
  path: number[],
  frame: Frame,
  states: (readonly string[])[],
  stateJson: string[],
): string {
  const lines: string[] = [];
  const shown = path.slice(-12);
  lines.push(
    `no linearization of the ${ops.length} operations on key ${JSON.stringify(key)}.`,
    `The longest consistent prefix linearizes ${path.length} operations${shown.length < path.length ? ` (last ${shown.length} shown)` : ''}:`,
  );
  for (const i of shown) lines.push(`  ${describeOp(ops[i]!)}`);
  lines.push(
    `leaving the value ${stateJson[frame.state]}. None of the operations that could come next fits:`,
  );
  const state = states[frame.state]!;
  for (const i of frame.candidates ?? []) {
    const p = ops[i]!;
    if (!p.required) continue;
    let why = '';
    if (p.op.kind === 'cas') why = `the model says ok: ${p.expectedJson === stateJson[frame.state]}`;
    else if (p.op.kind === 'get') why = `the model holds ${stateJson[frame.state]}`;
    else {
      const next = p.op.kind === 'put' ? [p.op.value!] : [...state, p.op.value!];
      why = `the model gives ${JSON.stringify(next)}`;
    }
    lines.push(
      `  ${describeOp(p)}: ${step(state, stateJson[frame.state]!, p) === null ? why : 'fits here, but nothing fits after it'}`,
    );
  }
  const unknown = (frame.candidates ?? []).filter((i) => !ops[i]!.required).length;
  if (unknown > 0) lines.push(`  (and ${unknown} unknown-outcome writes, which did not help either)`);
  return lines.join('\n');
}
