/**
 * Hostile input against a running simulated cluster (docs/architecture.md, Message validation: wrong
 * types, unknown kinds, absurd sizes or indexes are dropped with an `error` event, and the node goes on).
 *
 * 1. More than 10,000 malformed, mistyped, oversized or absurd messages per run, from a seeded PRNG
 *    (mulberry32), injected with `raft.gotData(from, payload)` into a 3-node cluster while it keeps
 *    taking proposals. Each one must produce exactly one `InvalidMessageError` on its target and change
 *    nothing there; proposals keep committing during the attack; at the end all nodes agree.
 * 2. Messages Raft must tolerate: replays of real captured messages (duplicated, reordered, delayed past
 *    term changes, snapshot chunks included) and well-formed messages from stale terms, while nodes crash
 *    and the network partitions. No error, every invariant, and agreement at the end.
 *
 * Not injected, on purpose: well-formed messages that claim to be a leader (or a voter, or a follower's
 * match index) that the sender never was. Raft does not tolerate Byzantine faults; the transport stamps
 * the sender and the validator refuses a message whose `from` differs from it.
 *
 * A fresh seed is drawn on every run. On failure the seed and the replay command are printed:
 *   SEED=<s> pnpm vitest run packages/core/test/sim/hostile-input.sim.test.ts
 * HOSTILE_COUNT=n injects n malformed messages instead of 12,000.
 */
import { describe, expect, it } from 'vitest';
import { InvalidMessageError, type RaftError } from '../../src/errors.js';
import { MESSAGE_TYPES, type MessageType } from '../../src/protocol/types.js';
import { validateMessage } from '../../src/protocol/validate.js';
import { type RandomSource, seededRandom } from '../../src/runtime/clock.js';
import { type NetworkFaults, Simulation } from '../../src/testing/index.js';

const FILE = 'packages/core/test/sim/hostile-input.sim.test.ts';
const REPLAY = `SEED={seed} pnpm vitest run ${FILE}`;
const SEED =
  process.env.SEED !== undefined && process.env.SEED !== ''
    ? Number(process.env.SEED) >>> 0
    : Math.floor(Math.random() * 2 ** 32) >>> 0;
const HOSTILE_COUNT = Number(process.env.HOSTILE_COUNT ?? 12_000);

const MEMBERS = ['n1', 'n2', 'n3'];
const MAX_TERM = Number.MAX_SAFE_INTEGER - 1;

type Loose = Record<string, unknown>;

/** Reruns with the seed in the failure message (SimulationError already carries it; others do not). */
async function withSeed(seed: number, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    const line = `hostile-input seed ${seed}; replay: ${REPLAY.replace('{seed}', String(seed))}`;
    console.error(line);
    if (error instanceof Error && !error.message.includes(`seed: ${seed}`)) {
      error.message = `${line}\n${error.message}`;
    }
    throw error;
  }
}

// ------------------------------------------------------------------------------------------------
// A small seeded generator over mulberry32 (`seededRandom` is the project's mulberry32).

class Gen {
  constructor(readonly rnd: RandomSource) {}
  int(n: number): number {
    return Math.floor(this.rnd() * n);
  }
  chance(p: number): boolean {
    return this.rnd() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [xs[i], xs[j]] = [xs[j]!, xs[i]!];
    }
    return xs;
  }
  /** A weighted choice among [weight, value] pairs. */
  weighted<T>(table: readonly (readonly [number, T])[]): T {
    let total = 0;
    for (const [w] of table) total += w;
    let r = this.rnd() * total;
    for (const [w, v] of table) {
      r -= w;
      if (r < 0) return v;
    }
    return table[table.length - 1]![1];
  }
}

const TYPES: readonly MessageType[] = MESSAGE_TYPES;

/** A valid command payload (any JSON). */
function jsonValue(g: Gen): unknown {
  return g.pick<() => unknown>([
    () => ({ op: 'set', key: `k${g.int(100)}`, value: g.int(1000) }),
    () => 'a string',
    () => g.int(1e9) - 5e8,
    () => 3.25,
    () => null,
    () => true,
    () => [1, 'two', { three: [3] }],
    () => ({ nested: { deeper: { list: [null, false, 0.5] } } }),
    () => ({}),
    () => '',
  ])();
}

function validConfig(g: Gen): Loose {
  const ids = g.shuffle([...MEMBERS, 'n4', 'n5']);
  const voters = ids.slice(0, 1 + g.int(3));
  const learners = g.chance(0.3) ? ids.slice(voters.length, voters.length + 1) : [];
  return { voters, learners };
}

function validEntryBody(g: Gen, e: Loose): Loose {
  const kind = g.weighted([
    [6, 'command'],
    [2, 'noop'],
    [1, 'config'],
  ] as const);
  e.kind = kind;
  if (kind === 'config') e.data = validConfig(g);
  else if (kind === 'command') e.data = jsonValue(g);
  if (g.chance(0.5)) e.client = `${g.pick(MEMBERS)}#${g.int(100)}`;
  if (g.chance(0.5)) e.seq = g.int(1000);
  return e;
}

/**
 * A well-formed message of `type` from `from` to `to` in `term`, of `cluster` (the receiver's cluster
 * id): the validator must accept it.
 */
function validMessage(
  g: Gen,
  type: MessageType,
  from: string,
  to: string,
  term: number,
  cluster: string | null,
): Loose {
  const idx = () => g.pick([0, 1, 2, g.int(60), g.int(1e6), Number.MAX_SAFE_INTEGER]);
  const upTo = (t: number) => Math.floor(g.rnd() * (t + 1));
  const m: Loose = { type, from, to, term };
  if (cluster !== null) m.cluster = cluster;
  switch (type) {
    case 'append': {
      const n = g.pick([0, 0, 1, 2, 3, 5]);
      const index = n > 0 ? g.pick([0, 1, g.int(60), g.int(1e6)]) : idx();
      const logTerm = upTo(term);
      const entries: Loose[] = [];
      let t = logTerm;
      for (let i = 0; i < n; i++) {
        t += upTo(term - t);
        entries.push(validEntryBody(g, { index: index + 1 + i, term: t }));
      }
      Object.assign(m, { index, logTerm, entries, commit: idx() });
      break;
    }
    case 'appendResponse':
      Object.assign(m, { index: idx(), reject: g.chance(0.5), hintIndex: idx(), hintTerm: upTo(term) });
      break;
    case 'heartbeat':
      m.commit = idx();
      if (g.chance(0.3)) m.context = `ctx${g.int(100)}`;
      if (g.chance(0.5)) m.sentAt = g.int(1e6) + 0.5;
      break;
    case 'heartbeatResponse':
      if (g.chance(0.3)) m.context = `ctx${g.int(100)}`;
      if (g.chance(0.5)) m.sentAt = g.int(1e6);
      break;
    case 'vote':
      Object.assign(m, { preVote: g.chance(0.5), index: idx(), logTerm: upTo(term) });
      if (g.chance(0.2)) m.transfer = g.chance(0.5);
      break;
    case 'voteResponse':
      Object.assign(m, { preVote: g.chance(0.5), reject: g.chance(0.5) });
      break;
    case 'snapshot':
      Object.assign(m, {
        meta: { index: idx(), term: upTo(term), config: validConfig(g) },
        offset: idx(),
        data: g.pick(['', '{"state":', '{"applied":["c1"]}', 'x'.repeat(200)]),
        done: g.chance(0.5),
      });
      break;
    case 'snapshotResponse':
      Object.assign(m, { index: idx(), offset: idx(), reject: g.chance(0.5) });
      break;
    case 'timeoutNow':
      break;
    case 'propose': {
      const n = 1 + g.int(3);
      const entries: Loose[] = [];
      for (let i = 0; i < n; i++) entries.push(validEntryBody(g, {}));
      m.entries = entries;
      break;
    }
    case 'proposeRefused':
      m.client = `client${g.int(10)}`;
      m.seqs = [g.int(100), g.int(100)];
      m.code = 'TRANSFERRING';
      m.reason = 'a transfer is under way';
      break;
    case 'readIndex':
      m.context = `read${g.int(1000)}`;
      break;
    case 'readIndexResponse':
      m.context = `read${g.int(1000)}`;
      m.index = g.pick([-1, 0, g.int(100), Number.MAX_SAFE_INTEGER]);
      break;
  }
  return m;
}

// ------------------------------------------------------------------------------------------------
// Bad values. Every one of them is refused wherever it is used below (-0 is NOT here: it is a valid 0).

const BAD_NUMBERS: readonly unknown[] = [
  -1,
  -2,
  -1e9,
  Number.MIN_SAFE_INTEGER,
  -Number.MAX_VALUE,
  1.5,
  0.5,
  1e-9,
  Number.MIN_VALUE,
  Number.EPSILON,
  7.000001,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  2 ** 53,
  2 ** 53 + 2,
  2 ** 64,
  1e21,
  Number.MAX_VALUE,
  '0',
  '7',
  '',
  '1e3',
  ' 1',
  '0x10',
  null,
  true,
  false,
  [],
  [3],
  {},
  { valueOf: () => 3 },
  3n,
];
/** Terms: indexes' bad values plus 2^53 - 1, a safe integer whose successor is not. */
const BAD_TERMS: readonly unknown[] = [...BAD_NUMBERS, Number.MAX_SAFE_INTEGER, MAX_TERM + 1];
const BAD_BOOLEANS: readonly unknown[] = ['true', 'false', 0, 1, null, [], {}, 'yes', Number.NaN, [true]];
const LONG_STRING = 'x'.repeat(257);
const BAD_STRINGS: readonly unknown[] = [1, 0, null, true, [], {}, ['ctx'], LONG_STRING, 'y'.repeat(100_000)];
const BAD_SENT_AT: readonly unknown[] = [
  -1,
  -0.5,
  -1e-300,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  '5',
  null,
  true,
  [],
  {},
];
const BAD_READ_INDEX: readonly unknown[] = [
  -2,
  -3,
  -1.5,
  -0.5,
  1.5,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  Number.MIN_SAFE_INTEGER,
  2 ** 53,
  '3',
  '-1',
  null,
  true,
  [],
  {},
];
const BAD_TYPES: readonly unknown[] = [
  'Append',
  'APPEND',
  'appendEntries',
  'AppendEntries',
  'requestVote',
  'RequestVote',
  'installSnapshot',
  'heartbeat ',
  ' vote',
  'vote\u0000',
  'snapshot\n',
  '',
  'undefined',
  'null',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'ａｐｐｅｎｄ',
  'append'.repeat(1000),
  'clientRequest',
  0,
  1,
  null,
  true,
  {},
  ['append'],
  Number.NaN,
];
const BAD_KINDS: readonly unknown[] = [
  'Command',
  'COMMAND',
  'cmd',
  'snapshot',
  'data',
  '',
  null,
  0,
  1,
  {},
  [],
];
const STRANGERS = ['mallory', 'n4', 'N1', 'n1 ', ' n2', 'n3\u0000', '', '__proto__', 'constructor'];

// Shared large values, built once (the validator must refuse them without copying them).
const HUGE_STRING = 'z'.repeat(8 * 1024 * 1024 + 16);
const HUGE_CHUNK = 's'.repeat(1024 * 1024 + 1);
const LONG_ID = 'i'.repeat(257);
function nested(depth: number, leaf: unknown): unknown {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = i % 2 === 0 ? { d: v } : [v];
  return v;
}
const DEEP_100 = nested(100, 1);
const DEEP_5000 = nested(5_000, 'bottom');
const cyclic: Loose = { name: 'cycle' };
cyclic.self = cyclic;
const cyclicArray: unknown[] = [1];
cyclicArray.push(cyclicArray);
/** 2^40 leaves through shared subtrees, 41 levels deep: only a bounded walk can refuse it. */
let dag: unknown = [1];
for (let i = 0; i < 40; i++) dag = [dag, dag];
const EXPONENTIAL_DAG = dag;
function sparse(length: number): unknown[] {
  const a: unknown[] = [];
  a.length = length;
  return a;
}
const SPARSE_HUGE = sparse(2 ** 32 - 1);
const SPARSE_10M = sparse(10_000_000);
/** 10,001 entries: one more than maxEntriesPerMessage. */
const TOO_MANY_ENTRIES: Loose[] = Array.from({ length: 10_001 }, (_, i) => ({
  index: i + 1,
  term: 0,
  kind: 'noop',
}));
/** 10,000 valid entries after index 0 in term 0, the last of which has a bad kind. */
const LONG_BAD_TAIL: Loose[] = Array.from({ length: 10_000 }, (_, i) => ({
  index: i + 1,
  term: 0,
  kind: i === 9_999 ? 'bogus' : 'command',
  data: i,
}));
/** 5,000 entries of 2,000 characters each: under the entry limit, over the size limit. */
const MID_STRING = 'm'.repeat(2_000);
const OVERSIZED_ENTRIES: Loose[] = Array.from({ length: 5_000 }, (_, i) => ({
  index: i + 1,
  term: 0,
  kind: 'command',
  data: MID_STRING,
}));

function throwingGetter(): Loose {
  const o: Loose = {};
  Object.defineProperty(o, 'x', {
    enumerable: true,
    get() {
      throw new Error('getter says no');
    },
  });
  return o;
}

/** Values no JSON decoder produces, for entry data. */
function badData(g: Gen): unknown {
  return g.pick<() => unknown>([
    () => Number.NaN,
    () => Number.POSITIVE_INFINITY,
    () => ({ ok: 1, bad: Number.NEGATIVE_INFINITY }),
    () => [1, 2, [3, Number.NaN]],
    () => () => 'function',
    () => Symbol('s'),
    () => 10n,
    () => [undefined],
    () => Object.assign(sparse(3), { 0: 1, 2: 3 }),
    () => new Date(0),
    () => new Map([[1, 2]]),
    () => new Set([1]),
    () => /regexp/,
    () => new Uint8Array(8),
    () =>
      new (class Point {
        x = 1;
      })(),
    () => Object.create({ inherited: true }),
    () => cyclic,
    () => cyclicArray,
    () => DEEP_100,
    () => DEEP_5000,
    () => ({ wrapper: HUGE_STRING }),
    () => HUGE_STRING,
    () => SPARSE_10M,
    () => ({ list: SPARSE_HUGE }),
    () => throwingGetter(),
    // Expensive to refuse (the walk spends the whole size budget), so rarely.
    () => (g.chance(0.2) ? EXPONENTIAL_DAG : DEEP_100),
  ])();
}

function badConfig(g: Gen): unknown {
  return g.pick<() => unknown>([
    () => null,
    () => undefined,
    () => 'n1,n2,n3',
    () => 5,
    () => [],
    () => [['n1']],
    () => ({}),
    () => ({ voters: ['n1'] }),
    () => ({ learners: [] }),
    () => ({ voters: [], learners: [] }),
    () => ({ voters: [], learners: ['n1'] }),
    () => ({ voters: ['n1', 'n1'], learners: [] }),
    () => ({ voters: ['n1', 'n2', 'n3', 'n2'], learners: [] }),
    () => ({ voters: ['n1', 'n2'], learners: ['n2'] }),
    () => ({ voters: ['n1'], learners: ['n3', 'n3'] }),
    () => ({ voters: [1], learners: [] }),
    () => ({ voters: [''], learners: [] }),
    () => ({ voters: [null], learners: [] }),
    () => ({ voters: ['n1', LONG_ID], learners: [] }),
    () => ({ voters: 'n1', learners: [] }),
    () => ({ voters: { 0: 'n1', length: 1 }, learners: [] }),
    () => ({ voters: sparse(3), learners: [] }),
    () => ({ voters: SPARSE_HUGE, learners: [] }),
    () => ({ voters: ['n1'], learners: null }),
    () => ({ voters: ['n1'], learners: ['n2', 7] }),
  ])();
}

/** A field as a number for the generator's arithmetic (an earlier mutation may have broken it: NaN). */
function num(value: unknown): number {
  return typeof value === 'number' ? value : Number.NaN;
}

/** A bad log or proposed entry in place of `entries[k]` (or an entry made bad in place). */
function breakEntry(g: Gen, m: Loose, entries: Loose[], k: number, positioned: boolean): string {
  const e = entries[k];
  // Already broken by an earlier mutation (not an object, or a hole): it stays broken.
  if (typeof e !== 'object' || e === null || Array.isArray(e)) return 'entry:already-broken';
  const choices: [number, () => string][] = [
    [
      2,
      () => {
        (entries as unknown[])[k] = g.pick([null, 5, 'entry', [], true, [e]]);
        return 'entry:not-object';
      },
    ],
    [
      1,
      () => {
        delete (entries as unknown[])[k];
        return 'entry:hole';
      },
    ],
    [
      2,
      () => {
        if (g.chance(0.2)) delete e.kind;
        else e.kind = g.pick(BAD_KINDS);
        return 'entry:kind';
      },
    ],
    [
      2,
      () => {
        e.kind = 'config';
        e.data = badConfig(g);
        return 'entry:bad-config';
      },
    ],
    [
      2,
      () => {
        e.kind = g.pick(['command', 'noop']);
        e.data = badData(g);
        return 'entry:bad-data';
      },
    ],
    [
      1,
      () => {
        e.client = g.pick([1, null, true, {}, [], LONG_ID]);
        return 'entry:client';
      },
    ],
    [
      1,
      () => {
        e.seq = g.pick(BAD_NUMBERS);
        return 'entry:seq';
      },
    ],
  ];
  if (positioned) {
    const wanted = num(m.index) + 1 + k;
    choices.push(
      [
        2,
        () => {
          if (g.chance(0.15)) delete e.index;
          else e.index = g.pick(BAD_NUMBERS);
          return 'entry:index-bad';
        },
      ],
      [
        3,
        () => {
          // Non-consecutive: a gap, an overlap, a repeat or a jump backwards.
          const delta = g.pick([1, 2, -1, -2, 1000, -k - 1, 2 ** 40]);
          const v = wanted + delta;
          e.index = v >= 0 && Number.isSafeInteger(v) ? v : wanted + 1;
          return 'entry:index-gap';
        },
      ],
      [
        2,
        () => {
          if (g.chance(0.15)) delete e.term;
          else e.term = g.pick(BAD_TERMS);
          return 'entry:term-bad';
        },
      ],
      [
        2,
        () => {
          // Newer than the leader sending it.
          e.term = num(m.term) + 1 + g.int(3);
          return 'entry:term-above-leader';
        },
      ],
      [
        2,
        () => {
          // Terms decreasing along the log (or below the previous entry's term).
          const prev = k === 0 ? num(m.logTerm) : num(entries[k - 1]?.term);
          e.term = prev - 1 - g.int(3);
          return 'entry:term-decreasing';
        },
      ],
    );
  }
  return g.weighted(choices)();
}

/** Makes `entries` (of an append when `positioned`, else of a propose) invalid. */
function breakEntries(g: Gen, m: Loose, positioned: boolean): string {
  const r = g.int(10);
  if (r === 0) {
    m.entries = g.pick([null, {}, 'entries', 5, true, { length: 1, 0: { kind: 'noop' } }]);
    return 'entries:not-array';
  }
  if (r === 1 && g.chance(0.5)) {
    delete m.entries;
    return 'entries:missing';
  }
  if (r === 2) {
    const which = g.int(10);
    if (which < 4) m.entries = SPARSE_HUGE;
    else if (which < 8) m.entries = sparse(10_001 + g.int(1e6));
    else m.entries = TOO_MANY_ENTRIES;
    if (positioned) Object.assign(m, { index: 0, logTerm: 0 });
    return 'entries:too-many';
  }
  if (r === 3 && g.chance(0.03)) {
    // Heavy ones, rarely: 10,000 entries read before the last is refused, or over the size budget.
    if (positioned) Object.assign(m, { index: 0, logTerm: 0 });
    m.entries = g.chance(0.5) ? LONG_BAD_TAIL : OVERSIZED_ENTRIES;
    return 'entries:heavy';
  }
  let entries = m.entries as Loose[];
  if (!Array.isArray(entries) || entries.length > 100) {
    // Not an array, or one of the shared large arrays (never modified): start a fresh one.
    entries = [];
    m.entries = entries;
  }
  if (entries.length === 0) {
    // Add a few valid entries first so that a later one can be the bad one.
    const n = 1 + g.int(4);
    let t = positioned ? num(m.logTerm) : 0;
    const index = m.index;
    // Only a valid index is moved (to another valid one): a broken one must stay broken.
    if (positioned && Number.isSafeInteger(index) && (index as number) > 1e6) m.index = g.int(100);
    for (let i = 0; i < n; i++) {
      const e: Loose = {};
      if (positioned) {
        t += Math.floor(g.rnd() * (num(m.term) - t + 1));
        Object.assign(e, { index: num(m.index) + 1 + i, term: t });
      }
      entries.push(validEntryBody(g, e));
    }
  }
  return breakEntry(g, m, entries, g.int(entries.length), positioned);
}

function breakNumber(g: Gen, m: Loose, field: string, values: readonly unknown[], required: boolean): string {
  if (required && g.chance(0.12)) {
    delete m[field];
    return `${field}:missing`;
  }
  m[field] = g.pick(values);
  return `${field}:bad`;
}

/** One mutation that makes a field specific to `m.type` invalid. */
function breakTypeField(g: Gen, m: Loose): string {
  const type = m.type as MessageType;
  const idx = (f: string) => () => breakNumber(g, m, f, BAD_NUMBERS, true);
  const trm = (f: string) => () => breakNumber(g, m, f, BAD_TERMS, true);
  const bool =
    (f: string, required = true) =>
    () =>
      breakNumber(g, m, f, BAD_BOOLEANS, required);
  const str = (f: string, required: boolean) => () => breakNumber(g, m, f, BAD_STRINGS, required);
  const sentAt = () => breakNumber(g, m, 'sentAt', BAD_SENT_AT, false);
  const aboveTerm = (f: string) => () => {
    m[f] = num(m.term) + 1 + g.int(5);
    return `${f}:above-term`;
  };
  const table: Partial<Record<MessageType, (() => string)[]>> = {
    append: [
      idx('index'),
      trm('logTerm'),
      aboveTerm('logTerm'),
      idx('commit'),
      () => breakEntries(g, m, true),
      () => breakEntries(g, m, true),
      () => breakEntries(g, m, true),
    ],
    // The hints are required on a rejection only: an acknowledgement may leave them out (but not send
    // them malformed).
    appendResponse: [
      idx('index'),
      bool('reject'),
      () => breakNumber(g, m, 'hintIndex', BAD_NUMBERS, m.reject === true),
      () => breakNumber(g, m, 'hintTerm', BAD_TERMS, m.reject === true),
    ],
    heartbeat: [idx('commit'), str('context', false), sentAt],
    heartbeatResponse: [str('context', false), sentAt],
    vote: [bool('preVote'), idx('index'), trm('logTerm'), aboveTerm('logTerm'), bool('transfer', false)],
    voteResponse: [bool('preVote'), bool('reject')],
    snapshot: [
      () => {
        if (g.chance(0.2)) delete m.meta;
        else m.meta = g.pick([null, 'meta', 5, [], [m.meta], true, {}]);
        return 'meta:bad';
      },
      () => {
        const meta = m.meta as Loose;
        if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) return 'meta:already-broken';
        const r = g.int(4);
        if (r === 0) return breakNumber(g, meta, 'index', BAD_NUMBERS, true).replace(/^/, 'meta.');
        if (r === 1) return breakNumber(g, meta, 'term', BAD_TERMS, true).replace(/^/, 'meta.');
        if (r === 2) {
          meta.term = num(m.term) + 1 + g.int(3);
          return 'meta.term:above-term';
        }
        meta.config = badConfig(g);
        return 'meta.config:bad';
      },
      () => {
        // Absurd offsets.
        m.offset = g.pick([...BAD_NUMBERS, -1, 2 ** 53, 2 ** 60, -(2 ** 53)]);
        return 'offset:absurd';
      },
      () => {
        if (g.chance(0.2)) delete m.data;
        else m.data = g.pick([null, 1, {}, [], ['chunk'], true, HUGE_CHUNK, HUGE_STRING]);
        return 'data:bad';
      },
      bool('done'),
    ],
    snapshotResponse: [idx('index'), idx('offset'), bool('reject')],
    timeoutNow: [trm('term')],
    propose: [() => breakEntries(g, m, false)],
    readIndex: [str('context', true)],
    readIndexResponse: [str('context', true), () => breakNumber(g, m, 'index', BAD_READ_INDEX, true)],
  };
  const choices = table[type];
  // A captured message of a type this generator does not know: break its term instead.
  if (choices === undefined) return breakNumber(g, m, 'term', BAD_TERMS, true);
  return g.pick(choices)();
}

/** The fields the validator reads, by type (besides type, from, to and term). */
const FIELDS: Partial<Record<MessageType, string[]>> = {
  append: ['index', 'logTerm', 'commit', 'entries'],
  appendResponse: ['index', 'reject', 'hintIndex', 'hintTerm'],
  heartbeat: ['commit', 'context', 'sentAt'],
  heartbeatResponse: ['context', 'sentAt'],
  vote: ['preVote', 'index', 'logTerm', 'transfer'],
  voteResponse: ['preVote', 'reject'],
  snapshot: ['meta', 'offset', 'data', 'done'],
  snapshotResponse: ['index', 'offset', 'reject'],
  timeoutNow: [],
  propose: ['entries'],
  readIndex: ['context'],
  readIndexResponse: ['context', 'index'],
};

/** A whole payload that is not a message object at all. */
function notAnObject(g: Gen, valid: Loose, text: string): unknown {
  return g.pick<() => unknown>([
    () => null,
    () => undefined,
    () => 0,
    () => -1,
    () => Number.NaN,
    () => Number.POSITIVE_INFINITY,
    () => '',
    () => 'append',
    () => text,
    () => HUGE_STRING,
    () => true,
    () => 10n,
    () => Symbol('message'),
    () => () => valid,
    () => [],
    () => [valid],
    () => [[[valid]]],
    () => Object.assign([], valid),
    () => SPARSE_HUGE,
    () => new Date(),
    () => new Map(Object.entries(valid)),
    () =>
      new (class Message {
        type = valid.type;
      })(),
    () => Object.create(valid),
    () => Object.create(Object.create(null)),
    () =>
      new Proxy(valid, {
        getPrototypeOf() {
          throw new Error('trap');
        },
      }),
    () => {
      const r = Proxy.revocable(valid, {});
      r.revoke();
      return r.proxy;
    },
    () => new String(text),
    () => DEEP_5000,
    () => cyclic,
  ])();
}

interface Built {
  payload: unknown;
  label: string;
}

/**
 * Turns a valid message into an invalid one: optional harmless noise first, then zero or more
 * field-level breaks, then one primary break. Every break alone makes the message invalid, and none
 * restores a field to a valid value, so the result is always invalid.
 */
function corrupt(g: Gen, m: Loose, sender: string, target: string): Built {
  // The valid message as JSON text, taken now: once corrupted it may hold values JSON.stringify chokes
  // on (cycles, or the exponential DAG, which it would spend forever on).
  const text = JSON.stringify(m);
  // Noise the validator must ignore (it never makes a message valid or invalid).
  if (g.chance(0.15)) {
    Object.defineProperty(m, '__proto__', {
      value: { polluted: true, type: 'append' },
      enumerable: true,
      configurable: true,
      writable: true,
    });
  }
  if (g.chance(0.1)) Reflect.set(m, 'constructor', { prototype: { polluted: true } });
  if (g.chance(0.1)) m.extra = g.pick([Number.NaN, 'junk', HUGE_STRING, DEEP_5000, cyclic]);
  if (g.chance(0.05)) {
    Object.defineProperty(m, 'then', { value: () => undefined, enumerable: true });
  }
  const labels: string[] = [];
  if (g.chance(0.15)) labels.push(breakTypeField(g, m));
  const primary = g.weighted<() => Built | string>([
    [6, () => ({ payload: notAnObject(g, m, text), label: 'payload:not-a-message' })],
    [
      6,
      () => {
        if (g.chance(0.1)) delete m.type;
        else m.type = g.pick(BAD_TYPES);
        return 'type:unknown';
      },
    ],
    [
      8,
      () => {
        // Spoofed sender: the payload claims another node than the transport saw.
        const claims = [...MEMBERS, ...STRANGERS, 1, null, {}, ['n1'], true].filter((x) => x !== sender);
        if (g.chance(0.1)) delete m.from;
        else m.from = g.pick(claims);
        return 'from:spoofed';
      },
    ],
    [
      4,
      () => {
        const claims = [...MEMBERS, ...STRANGERS, 0, null, [target]].filter((x) => x !== target);
        if (g.chance(0.1)) delete m.to;
        else m.to = g.pick(claims);
        return 'to:wrong';
      },
    ],
    [8, () => breakNumber(g, m, 'term', BAD_TERMS, true)],
    [40, () => breakTypeField(g, m)],
    [
      3,
      () => {
        // A getter that throws (a hostile object handed over in-process).
        const field = g.pick(['type', 'from', 'to', 'term', ...(FIELDS[m.type as MessageType] ?? [])]);
        const thrown = g.pick<unknown>([
          new Error('boom'),
          'a string',
          null,
          new Proxy(
            {},
            {
              get() {
                throw new Error('proxy get');
              },
              has() {
                throw new Error('proxy has');
              },
              getPrototypeOf() {
                throw new Error('proxy proto');
              },
            },
          ),
        ]);
        Object.defineProperty(m, field, {
          enumerable: true,
          configurable: true,
          get() {
            throw thrown;
          },
        });
        return 'getter:throws';
      },
    ],
    [
      3,
      () => {
        // A getter that shows a bad value on the first read and a good one afterwards: the validator
        // must read each field once, so it must see (and refuse) the bad one.
        const field = g.pick(['type', 'from', 'term']);
        const good = m[field];
        const bad =
          field === 'term'
            ? g.pick(BAD_TERMS)
            : field === 'type'
              ? 'Append'
              : sender === 'mallory'
                ? 'eve'
                : 'mallory';
        let reads = 0;
        Object.defineProperty(m, field, {
          enumerable: true,
          configurable: true,
          get: () => (reads++ === 0 ? bad : good),
        });
        return 'getter:flip-flop';
      },
    ],
    [
      2,
      () => {
        // A Proxy that reports a bad term.
        const field = g.pick(['term', 'type', 'from']);
        const bad = field === 'term' ? g.pick(BAD_TERMS) : 'forged';
        return {
          payload: new Proxy(m, { get: (t, k) => (k === field ? bad : Reflect.get(t, k)) }),
          label: 'proxy:bad-field',
        };
      },
    ],
  ]);
  const out = primary();
  if (typeof out === 'string') labels.push(out);
  else return { payload: out.payload, label: [...labels, out.label].join('+') };
  return { payload: m, label: labels.join('+') };
}

interface Captured {
  from: string;
  to: string;
  json: string;
  type: string;
  term: number;
}

function stateOf(sim: Simulation, id: string): string {
  const core = sim.raft(id).raftNode.protocol;
  return `${core.role}|t${core.term}|v${core.vote}|l${core.leader}|last${core.log.lastIndex()}|c${core.log.committed}`;
}

/** Error listeners on every node: invalid-message errors by node, and anything else. */
function watchErrors(sim: Simulation) {
  const invalid = new Map<string, InvalidMessageError[]>(MEMBERS.map((id) => [id, []]));
  const other: { node: string; error: RaftError }[] = [];
  let total = 0;
  const attach = (id: string) =>
    sim.raft(id).listen('error', (error) => {
      total++;
      if (error instanceof InvalidMessageError) invalid.get(id)!.push(error);
      else other.push({ node: id, error });
    });
  for (const id of MEMBERS) attach(id);
  return {
    invalid,
    other,
    attach,
    get total() {
      return total;
    },
  };
}

const QUIET_FAULTS: NetworkFaults = {
  // Duplicates and reordering, no loss: every proposal must commit, no election may happen.
  drop: 0,
  duplicate: 0.05,
  minDelay: 0,
  maxDelay: 10,
  longDelay: 0,
  longDelayMin: 0,
  longDelayMax: 0,
};

describe('hostile input', () => {
  // Printed up front too, so that a run that hangs or times out can still be replayed.
  console.info(`hostile-input seed ${SEED}; replay: ${REPLAY.replace('{seed}', String(SEED))}`);
  it(`refuses ${HOSTILE_COUNT} malformed messages, one InvalidMessageError each, while the cluster commits (seed ${SEED})`, async () => {
    await withSeed(SEED, async () => {
      const protoKeysBefore = Object.getOwnPropertyNames(Object.prototype).join();
      const g = new Gen(seededRandom(SEED));
      const sim = new Simulation({ seed: SEED, nodes: MEMBERS, faults: { ...QUIET_FAULTS }, replay: REPLAY });
      // The last real messages delivered, as bases to corrupt (a realistic shape, real terms and indexes).
      const recent: Captured[] = [];
      sim.network.filter = (from, to, payload) => {
        const p = payload as Loose;
        if (recent.length >= 256) recent.splice(0, 128);
        recent.push({ from, to, json: JSON.stringify(p), type: String(p.type), term: p.term as number });
        return true;
      };
      await sim.start();
      const errors = watchErrors(sim);
      const leader = await sim.waitForLeader();
      const leaderTerm = sim.status(leader).term;

      const labels = new Map<string, number>();
      let injected = 0;
      let slowest = { ms: 0, label: '' };
      let rejectMs = 0;
      const inject = (target: string, from: string, built: Built) => {
        const before = stateOf(sim, target);
        const mine = errors.invalid.get(target)!;
        const mineBefore = mine.length;
        const totalBefore = errors.total;
        const t0 = performance.now();
        try {
          sim.raft(target).gotData(from, built.payload);
        } catch (error) {
          throw new Error(`gotData threw on injection #${injected} (${built.label}): ${String(error)}`);
        }
        const ms = performance.now() - t0;
        rejectMs += ms;
        if (ms > slowest.ms) slowest = { ms, label: built.label };
        injected++;
        for (const part of built.label.split('+')) labels.set(part, (labels.get(part) ?? 0) + 1);
        // Plain comparisons on the hot path; expect() only to report a failure.
        const error = mine[mine.length - 1];
        const after = stateOf(sim, target);
        if (
          mine.length - mineBefore !== 1 ||
          errors.total - totalBefore !== 1 ||
          error?.code !== 'INVALID_MESSAGE' ||
          error.from !== from ||
          error.message.length >= 2_000 ||
          after !== before
        ) {
          const what = `injection #${injected} (${built.label}) from ${JSON.stringify(from)} to ${target}`;
          expect(mine.length - mineBefore, `${what}: InvalidMessageErrors on the target`).toBe(1);
          expect(errors.total - totalBefore, `${what}: error events on all nodes`).toBe(1);
          expect(error?.code, what).toBe('INVALID_MESSAGE');
          expect(error?.from, what).toBe(from);
          expect(error?.message.length, `${what}: the reason stays short`).toBeLessThan(2_000);
          expect(after, `${what} changed the node`).toBe(before);
        }
      };

      /** A valid message (checked) from a base chosen at random, then corrupted. */
      const hostile = (): { target: string; from: string; built: Built } => {
        let base: Loose;
        let target: string;
        let from: string;
        if (recent.length > 0 && g.chance(0.35)) {
          const c = g.pick(recent);
          base = JSON.parse(c.json) as Loose;
          target = c.to;
          from = c.from;
        } else {
          target = g.pick(MEMBERS);
          from = g.chance(0.9) ? g.pick(MEMBERS.filter((id) => id !== target)) : g.pick(['mallory', 'n4']);
          const term = sim.status(target).term;
          const msgTerm = g.pick([term, term, Math.max(0, term - 1), term + 1, 0, g.int(1000), MAX_TERM]);
          base = validMessage(g, g.pick(TYPES), from, target, msgTerm, sim.raft(target).clusterId);
        }
        try {
          validateMessage(base, { from, to: target });
        } catch (error) {
          throw new Error(
            `generator bug or over-strict validator: ${String(error)}\n${JSON.stringify(base)}`,
          );
        }
        return { target, from, built: corrupt(g, base, from, target) };
      };

      // Proposals keep being made during the attack; each must commit while it goes on.
      const proposals: { command: string; at: number; injectedAt: number }[] = [];
      const committedAt = new Map<string, number>();
      const failures: string[] = [];
      const propose = () => {
        const p = sim.propose(g.pick(MEMBERS), { timeoutMs: 5_000 });
        proposals.push({ command: p.command, at: sim.clock.now(), injectedAt: injected });
        p.result.then(
          () => committedAt.set(p.command, injected),
          (error: unknown) => failures.push(`${p.command}: ${String(error)}`),
        );
      };
      const checkLiveness = () => {
        const overdue = proposals.filter(
          (p) => p.at < sim.clock.now() - 1_000 && !committedAt.has(p.command),
        );
        expect(
          overdue.map((p) => p.command),
          'proposals not committed 1 s (virtual) into the attack',
        ).toEqual([]);
        expect(failures).toEqual([]);
      };

      while (injected < HOSTILE_COUNT) {
        // Mostly small batches between steps of virtual time; sometimes a burst of hundreds at once.
        const batch = g.chance(0.02) ? 200 + g.int(400) : 1 + g.int(40);
        for (let i = 0; i < batch && injected < HOSTILE_COUNT; i++) {
          const h = hostile();
          inject(h.target, h.from, h.built);
          if (injected % 50 === 0) propose();
        }
        await sim.runFor(1 + g.int(15));
        checkLiveness();
      }

      // Everything proposed during the attack commits, the leader never changed, and all nodes agree.
      await sim.runUntil(
        () => proposals.every((p) => committedAt.has(p.command)),
        10_000,
        'committing the attack-time proposals',
      );
      expect(failures).toEqual([]);
      expect(sim.leader()).toBe(leader);
      for (const id of MEMBERS) expect(sim.status(id).term, `${id}'s term`).toBe(leaderTerm);
      await sim.converge();
      sim.checkFinal();
      for (const p of proposals) expect(sim.acknowledged.has(p.command)).toBe(true);
      // Commits happened throughout the attack, not only once it was over.
      const during = proposals.filter((p) => committedAt.get(p.command)! < HOSTILE_COUNT).length;
      expect(during).toBeGreaterThan(proposals.length * 0.9);

      const perNode = MEMBERS.map((id) => errors.invalid.get(id)!.length);
      expect(perNode.reduce((a, b) => a + b, 0)).toBe(injected);
      expect(injected).toBeGreaterThanOrEqual(HOSTILE_COUNT);
      expect(errors.other.map((e) => `${e.node}: ${e.error.message}`)).toEqual([]);
      // Nothing leaked into shared prototypes.
      expect(Object.getOwnPropertyNames(Object.prototype).join()).toBe(protoKeysBefore);
      expect(({} as Loose).polluted).toBeUndefined();
      expect(([] as unknown as Loose).polluted).toBeUndefined();

      const top = [...labels].sort((a, b) => b[1] - a[1]);
      console.info(
        `hostile-input seed ${SEED}: ${injected} malformed messages, errors per node ${perNode.join('/')}, ` +
          `${proposals.length} proposals committed (${during} during the attack), ${labels.size} mutation kinds, ` +
          `${rejectMs.toFixed(0)} ms validating in all, slowest rejection ${slowest.ms.toFixed(1)} ms (${slowest.label}), ${sim.steps} steps\n` +
          `  most frequent: ${top
            .slice(0, 8)
            .map(([k, n]) => `${k} ${n}`)
            .join(', ')}`,
      );
      await sim.stop();
    });
  }, 120_000);

  it(`survives replayed real messages and well-formed stale ones, with crashes and partitions (seed ${SEED})`, async () => {
    await withSeed(SEED, async () => {
      const g = new Gen(seededRandom((SEED ^ 0x7e91a7) >>> 0));
      const sim = new Simulation({
        seed: SEED,
        nodes: MEMBERS,
        faults: {
          drop: 0.03,
          duplicate: 0.03,
          minDelay: 0,
          maxDelay: 15,
          longDelay: 0.02,
          longDelayMin: 50,
          longDelayMax: 300,
        },
        // Small snapshots, in small chunks, so that snapshot chunks are among the replayed messages.
        tuning: {
          snapshotThreshold: 25,
          snapshotTrailingEntries: 3,
          snapshotChunkChars: 512,
          proposalTimeout: 4_000,
        },
        replay: REPLAY,
      });
      const captured: Captured[] = [];
      sim.network.filter = (from, to, payload) => {
        const p = payload as Loose;
        const c = { from, to, json: JSON.stringify(p), type: String(p.type), term: p.term as number };
        if (captured.length < 30_000) captured.push(c);
        else captured[g.int(captured.length)] = c;
        return true;
      };
      await sim.start();
      // Every incarnation of every node gets the listener (a restart makes a new RaftInterface).
      const errors = watchErrors(sim);
      const startNode = async (id: string) => {
        await sim.startNode(id);
        errors.attach(id);
      };
      let leader = await sim.waitForLeader();

      const counts = {
        reads: 0,
        replayed: 0,
        staleReplays: 0,
        duplicates: 0,
        snapshotChunks: 0,
        stale: 0,
        preVotes: 0,
      };
      const byType = new Map<string, number>();
      const replay = (c: Captured) => {
        if (!sim.isAlive(c.to)) return;
        const raft = sim.raft(c.to);
        if (c.term < raft.term) counts.staleReplays++;
        if (c.type === 'snapshot') counts.snapshotChunks++;
        byType.set(c.type, (byType.get(c.type) ?? 0) + 1);
        counts.replayed++;
        raft.gotData(c.from, JSON.parse(c.json));
      };
      /** A well-formed message Raft must shrug off: from a stale term, or a pre-vote with an empty log. */
      const injectTolerable = () => {
        const live = sim.liveIds();
        const target = g.pick(live);
        const term = sim.raft(target).term;
        const from = g.chance(0.85)
          ? g.pick(MEMBERS.filter((id) => id !== target))
          : g.pick(['mallory', 'n4']);
        let m: Loose;
        if (term > 0 && g.chance(0.85)) {
          m = validMessage(g, g.pick(TYPES), from, target, g.int(term), sim.raft(target).clusterId);
          // Absurd but well-formed content is fine in a stale message: it must be dropped unread.
          if (m.type === 'heartbeat' || m.type === 'append')
            m.commit = g.pick([Number.MAX_SAFE_INTEGER, 1e12, 0]);
          if (m.type === 'snapshot') m.offset = g.pick([Number.MAX_SAFE_INTEGER, 2 ** 40, 1]);
          counts.stale++;
        } else {
          // A pre-vote for a later term from a node with an empty log: never granted, changes nothing.
          m = {
            type: 'vote',
            from,
            to: target,
            term: term + 1 + g.int(3),
            preVote: true,
            index: 0,
            logTerm: 0,
            cluster: sim.raft(target).clusterId,
          };
          counts.preVotes++;
        }
        const before = stateOf(sim, target);
        const errorsBefore = errors.total;
        sim.raft(target).gotData(from, m);
        const what = `${JSON.stringify(m).slice(0, 300)} to ${target}`;
        expect(errors.total - errorsBefore, `a well-formed message was refused: ${what}`).toBe(0);
        expect(stateOf(sim, target), `changed the node: ${what}`).toBe(before);
      };
      const replayRound = () => {
        const n = captured.length;
        if (n === 0) return;
        switch (g.int(5)) {
          case 0: {
            // Duplicates of what was just delivered.
            for (const c of captured.slice(-1 - g.int(5))) {
              const times = 1 + g.int(3);
              for (let i = 0; i < times; i++) replay(c);
              counts.duplicates += times;
            }
            break;
          }
          case 1: {
            // The recent window, reordered.
            const window = g.shuffle(captured.slice(-30));
            for (const c of window.slice(0, 1 + g.int(window.length))) replay(c);
            break;
          }
          case 2: {
            // Old messages from anywhere in the run (older terms, earlier incarnations).
            for (let i = 0; i < 1 + g.int(8); i++) replay(captured[g.int(n)]!);
            break;
          }
          case 3: {
            // A burst of one kind of message (say, old vote grants or append acks).
            const type = g.pick(TYPES);
            const ofType = captured.filter((c) => c.type === type);
            for (let i = 0; i < Math.min(6, ofType.length); i++) replay(g.pick(ofType));
            break;
          }
          default: {
            const chunks = captured.filter((c) => c.type === 'snapshot');
            const pool = chunks.length > 0 ? chunks : captured;
            for (let i = 0; i < 1 + g.int(4); i++) replay(g.pick(pool));
          }
        }
      };
      const proposed: string[] = [];
      const proposeFrom = (id: string) => {
        if (!sim.isAlive(id)) return;
        const p = sim.propose(id, { timeoutMs: 4_000 });
        proposed.push(p.command);
      };

      // Scripted first: a follower misses enough entries that the leader compacts past it, so it is
      // brought back with an InstallSnapshot (chunked), whose chunks are then replayed like the rest.
      const lagging = g.pick(MEMBERS.filter((id) => id !== leader));
      sim.crash(lagging);
      for (let i = 0; i < 40; i++) proposeFrom(leader);
      await sim.runUntil(() => sim.acknowledged.size >= 40, 20_000, 'committing 40 entries with a node down');
      // Let what was sent to the dead node drain first: a late append could otherwise catch it up.
      await sim.runFor(500);
      await startNode(lagging);
      await sim.converge();
      expect(
        captured.some((c) => c.type === 'snapshot'),
        'the lagging follower got a snapshot',
      ).toBe(true);

      // Then churn: proposals, crashes, restarts, partitions, with replays and stale messages throughout.
      const ROUNDS = 500;
      for (let round = 0; round < ROUNDS; round++) {
        const live = sim.liveIds();
        const r = g.rnd();
        if (r < 0.03 && live.length === MEMBERS.length) {
          const victim = g.chance(0.6) ? (sim.leader() ?? g.pick(live)) : g.pick(live);
          sim.crash(victim);
        } else if (r < 0.1 && live.length < MEMBERS.length) {
          await startNode(g.pick(MEMBERS.filter((id) => !sim.isAlive(id))));
        } else if (r < 0.13) {
          const [a, b] = g.shuffle([...MEMBERS]);
          sim.network.disconnect(a!, b!, g.chance(0.3));
        } else if (r < 0.18) {
          sim.network.heal();
        } else if (r < 0.55) {
          proposeFrom(g.pick(sim.liveIds()));
        } else if (r < 0.65) {
          // Linearizable reads, so that readIndex traffic is captured and replayed too.
          sim
            .raft(g.pick(sim.liveIds()))
            .read({ timeoutMs: 1_000 })
            .then(
              () => counts.reads++,
              () => undefined,
            );
        }
        replayRound();
        for (let i = g.int(5); i > 0; i--) injectTolerable();
        await sim.runFor(5 + g.int(25));
      }

      for (const id of MEMBERS) if (!sim.isAlive(id)) await startNode(id);
      await sim.converge(60_000);
      leader = sim.leader()!;
      // A final round of replays of everything, in random order, into the healed cluster.
      for (let i = 0; i < 1_000; i++) replay(g.pick(captured));
      await sim.converge(60_000);
      const fresh = MEMBERS.map((id) => sim.propose(id, { timeoutMs: 10_000 }).command);
      await sim.runUntil(
        () => fresh.every((c) => sim.acknowledged.has(c)),
        20_000,
        'committing after the replays stopped',
      );
      await sim.converge(60_000);
      sim.checkFinal();

      expect(
        errors.other.map((e) => `${e.node}: ${e.error.message}`),
        'errors from real messages',
      ).toEqual([]);
      expect([...errors.invalid.values()].flat().map((e) => e.message)).toEqual([]);
      expect(counts.replayed).toBeGreaterThan(2_000);
      expect(counts.staleReplays).toBeGreaterThan(0);
      expect(counts.snapshotChunks).toBeGreaterThan(0);
      expect(counts.stale).toBeGreaterThan(500);
      expect(sim.acknowledged.size).toBeGreaterThan(40);
      console.info(
        `hostile-input replay seed ${SEED}: ${counts.replayed} replays (${counts.staleReplays} from stale terms, ` +
          `${counts.duplicates} immediate duplicates, ${counts.snapshotChunks} snapshot chunks), ` +
          `${counts.stale} stale-term messages, ${counts.preVotes} empty-log pre-votes, ${counts.reads} reads, ` +
          `${sim.acknowledged.size}/${proposed.length + fresh.length} proposals acknowledged, final term ${sim.status(leader).term}, ${sim.steps} steps\n` +
          `  replays by type: ${[...byType].map(([k, n]) => `${k} ${n}`).join(', ')}`,
      );
      await sim.stop();
    });
  }, 120_000);
});
