import {
  ConfigurationError,
  InvalidCommandError,
  ProposalRefusedError,
  RaftError,
  StorageError,
} from '../../errors.js';
import { MESSAGE_TYPES } from '../../protocol/types.js';
import { type RandomSource, seededRandom } from '../../runtime/clock.js';
import type { AbortSignalLike } from '../../runtime/pending.js';
import { RELIABLE, UNRELIABLE } from './sim-network.js';
import { Simulation, settle } from './simulation.js';

export interface ApiFuzzOptions {
  seed: number;
  /** Public API calls made while faults are on (default 40). */
  calls?: number;
  replay?: string;
}

export interface ApiFuzzReport {
  seed: number;
  steps: number;
  calls: number;
  /** Calls that resolved, and rejections by error name and code. */
  resolved: number;
  rejected: Record<string, number>;
  acknowledged: number;
}

/**
 * The API fuzzer: random sequences of public `RaftInterface` calls (`propose`, `read`, `join`,
 * `leave`, `transferLeadership`, `stop` and restart, `start` again, `gotData`) with random valid, edge
 * and invalid arguments, on the simulator with its network faults, crashes, partitions and transient
 * storage failures. What must
 * hold, whatever the calls:
 * - every invariant the simulator checks, after every step;
 * - every rejected call carries a typed `RaftError` (never a TypeError or a plain Error), every
 *   `error` event too, and no call throws synchronously;
 * - an invalid argument (an address that breaks the address rule, a command that is not plain JSON, a
 *   bad timeout, an aborted signal) is refused at once, with the error its kind promises;
 * - every call settles (nothing waits forever);
 * - once the faults stop, a probe commits from every live member within bounded virtual time: no
 *   call can wedge the cluster.
 */
export async function runApiFuzz(opts: ApiFuzzOptions): Promise<ApiFuzzReport> {
  const initial = ['n1', 'n2', 'n3'];
  const spares = ['n4', 'n5'];
  const ids = [...initial, ...spares];
  const sim = new Simulation({
    seed: opts.seed,
    nodes: initial,
    faults: { ...UNRELIABLE },
    storageLatency: [0, 3],
    tuning: {
      proposalTimeout: 1_500,
      snapshotThreshold: 30,
      snapshotTrailingEntries: 5,
      maxInflight: 4,
      maxEntriesPerAppend: 8,
    },
    replay: opts.replay ?? 'pnpm soak --api --seed {seed}',
  });
  for (const id of spares) sim.addNode(id);
  const rnd = seededRandom(opts.seed ^ 0xa91f);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const report: ApiFuzzReport = {
    seed: opts.seed,
    steps: 0,
    calls: 0,
    resolved: 0,
    rejected: {},
    acknowledged: 0,
  };
  const problems: string[] = [];
  const unsettled = new Set<string>();
  let callCounter = 0;
  const started = new Set(initial);
  const stopping = new Set<string>();
  /** Every message seen on the wire, per recipient (a few): replayed through gotData as duplicates. */
  const seen = new Map<string, unknown[]>();
  const observe = sim.network.onSend;
  sim.network.onSend = (from, to, payload) => {
    observe?.(from, to, payload);
    const list = seen.get(to) ?? [];
    if (list.length >= 8) list.shift();
    list.push({ from, payload: JSON.parse(JSON.stringify(payload)) });
    seen.set(to, list);
  };

  /** Follows one call: its outcome must be typed, and the expected refusal when its arguments were bad. */
  const follow = (what: string, call: () => Promise<unknown>, expect?: Expectation): void => {
    report.calls++;
    const name = `#${++callCounter} ${what}`;
    const at = sim.clock.now();
    let promise: Promise<unknown>;
    try {
      promise = call();
    } catch (error) {
      problems.push(`${name} threw synchronously: ${describeError(error)}`);
      return;
    }
    unsettled.add(name);
    promise.then(
      () => {
        unsettled.delete(name);
        report.resolved++;
        if (expect) problems.push(`${name} resolved, but ${expect.why} must be refused`);
      },
      (error: unknown) => {
        unsettled.delete(name);
        const key =
          error instanceof RaftError ? `${error.name} ${error.code}` : `untyped ${describeError(error)}`;
        report.rejected[key] = (report.rejected[key] ?? 0) + 1;
        if (!(error instanceof RaftError)) {
          problems.push(`${name} rejected with an untyped error: ${describeError(error)}`);
          return;
        }
        if (!expect) return;
        if (!(error instanceof expect.type) || (expect.code !== undefined && error.code !== expect.code))
          problems.push(
            `${name}: ${expect.why} must be refused with ${expect.type.name}${expect.code ? ` ${expect.code}` : ''}, got ${error.name} ${error.code}: ${error.message}`,
          );
        else if (sim.clock.now() !== at)
          problems.push(`${name}: ${expect.why} was refused only after ${sim.clock.now() - at} virtual ms`);
      },
    );
  };

  const watchErrors = (id: string): void => {
    sim.raft(id).listen('error', (error: unknown) => {
      if (!(error instanceof RaftError))
        problems.push(`${id} reported an untyped error: ${describeError(error)}`);
    });
  };
  const startNode = async (id: string): Promise<void> => {
    await sim.startNode(id, started.has(id) && initial.includes(id) ? initial : []);
    started.add(id);
    watchErrors(id);
  };

  await sim.start();
  for (const id of initial) watchErrors(id);
  const everJoined = new Set(initial);
  const ghost = 'ghost';
  const calls = opts.calls ?? 40;
  for (let i = 0; i < calls; i++) {
    const live = sim.liveIds().filter((id) => !stopping.has(id));
    const dead = ids.filter((id) => !sim.isAlive(id) && !stopping.has(id));
    const r = rnd();
    if (live.length === 0 || (r < 0.05 && dead.length > 0)) {
      if (dead.length > 0) await startNode(pick(dead));
    } else {
      const id = pick(live);
      const raft = sim.raft(id);
      // A removed node refuses every request (REMOVED) before looking at its arguments, as a stopped
      // one does (STOPPED); an address that breaks the address rule is refused before either.
      const removed = raft.state === 'removed';
      const onThisNode = (expect: Expectation | undefined): Expectation | undefined =>
        removed && expect?.code !== 'INVALID_ADDRESS' ? REMOVED_NODE : expect;
      if (r < 0.3) {
        const kind = rnd();
        if (kind < 0.6) {
          const { timeoutMs, signal, expect } = requestOptions(rnd);
          const payload = validPayload(rnd);
          follow(
            `propose on ${id}`,
            () => sim.propose(id, { payload, timeoutMs, signal }).result,
            onThisNode(expect),
          );
        } else {
          const bad = pick(INVALID_COMMANDS);
          follow(
            `propose(${bad.what}) on ${id}`,
            () => raft.propose(bad.make()),
            onThisNode({
              type: bad.tooLarge ? ProposalRefusedError : InvalidCommandError,
              why: `a command that is ${bad.what}`,
              ...(bad.tooLarge ? { code: 'TOO_LARGE' } : {}),
            }),
          );
        }
      } else if (r < 0.4) {
        const { timeoutMs, expect } = requestOptions(rnd, false);
        follow(
          `read on ${id}`,
          () => raft.read(timeoutMs === undefined ? {} : { timeoutMs }),
          onThisNode(expect),
        );
      } else if (r < 0.5) {
        const target = membershipTarget(rnd, ids, ghost);
        if (target.valid) {
          if (typeof target.address === 'string') everJoined.add(target.address);
          follow(
            `join(${target.label}) on ${id}`,
            () => raft.join(target.address as string, { timeoutMs: 1_500 }),
            onThisNode(undefined),
          );
        } else {
          follow(`join(${target.label}) on ${id}`, () => raft.join(target.address as string), {
            type: ProposalRefusedError,
            code: 'INVALID_ADDRESS',
            why: `the address ${target.label}`,
          });
        }
      } else if (r < 0.58) {
        const target = membershipTarget(rnd, ids, `${ghost}2`);
        const expect: Expectation | undefined = !target.valid
          ? { type: ProposalRefusedError, code: 'INVALID_ADDRESS', why: `the address ${target.label}` }
          : target.address === `${ghost}2`
            ? {
                type: ProposalRefusedError,
                code: 'NOT_MEMBER',
                why: 'leaving a node that never was a member',
              }
            : undefined;
        // Keep at least three voters in the initial set alive in spirit: never leave below three members.
        if (target.valid && target.address !== `${ghost}2` && sim.memberIds().length <= 3) continue;
        follow(
          `leave(${target.label}) on ${id}`,
          () => raft.leave(target.address as string, { timeoutMs: 1_500 }),
          onThisNode(expect),
        );
      } else if (r < 0.63) {
        const to = rnd() < 0.5 ? undefined : membershipTarget(rnd, ids, ghost).address;
        follow(
          `transferLeadership(${String(to)}) on ${id}`,
          () => raft.transferLeadership(to as string),
          onThisNode(undefined),
        );
      } else if (r < 0.67) {
        stopping.add(id);
        follow(`stop() on ${id}`, () =>
          sim.stopGracefully(id).finally(() => {
            stopping.delete(id);
          }),
        );
      } else if (r < 0.69) {
        follow(`start() again on ${id}`, () => raft.start(), {
          type: RaftError,
          why: 'a second start()',
        });
      } else if (r < 0.72) {
        sim.crash(id);
      } else if (r < 0.74) {
        // A transient storage failure (fatal ones halt a node for good: storage-failures tests).
        const code = pick(['IO', 'BLOCKED', 'CLOSED'] as const);
        sim.storageOf(id).failNextPersist(new StorageError(`injected ${code} failure`, code));
      } else if (r < 0.84) {
        const { from, payload } = gotDataArguments(rnd, ids, seen.get(id));
        try {
          raft.gotData(from as string, payload);
        } catch (error) {
          problems.push(`gotData on ${id} threw: ${describeError(error)}`);
        }
      } else if (r < 0.88) {
        const shuffled = [...ids].sort(() => rnd() - 0.5);
        const cut = 1 + Math.floor(rnd() * (ids.length - 1));
        sim.network.partition([shuffled.slice(0, cut), shuffled.slice(cut)]);
      } else if (r < 0.92) {
        sim.network.heal();
      } else {
        const { timeoutMs, signal, expect } = requestOptions(rnd);
        follow(`propose on ${id}`, () => sim.propose(id, { timeoutMs, signal }).result, onThisNode(expect));
      }
    }
    // Promise work runs before virtual time moves on: a call refused at once has settled by now.
    await settle();
    if (problems.length > 0) sim.fail(problems.join('\n'));
    await sim.runFor(2 + rnd() * 30);
    if (problems.length > 0) sim.fail(problems.join('\n'));
  }

  // The faults stop: every node that ever ran comes back, the network heals.
  await sim.runUntil(() => stopping.size === 0, 10_000, 'graceful stops finishing');
  for (const id of ids) if (!sim.isAlive(id) && started.has(id)) await startNode(id);
  sim.network.heal();
  sim.network.faults = { ...RELIABLE };
  // Nothing waits forever: every call settles within its timeout (at most 1.5 s here) and a little.
  for (let waited = 0; waited < 5_000 && unsettled.size > 0; waited += 100) await sim.runFor(100);
  if (unsettled.size > 0) problems.push(`calls never settled: ${[...unsettled].slice(0, 5).join('; ')}`);
  if (problems.length > 0) sim.fail(problems.join('\n'));
  await sim.waitForLeader(30_000);
  // Liveness: a fresh proposal from every member (as the leader sees them) commits. Every call has
  // settled, so nothing it started (a transfer, a change) may still refuse them.
  const probeFailures: string[] = [];
  const probes = sim.memberIds().map((id) => {
    const probe = sim.propose(id, { timeoutMs: 10_000 });
    probe.result.catch((error: unknown) => probeFailures.push(`the probe on ${id}: ${describeError(error)}`));
    return probe.command;
  });
  await sim.runUntil(
    () => probeFailures.length > 0 || probes.every((c) => sim.acknowledged.has(c)),
    10_000,
    `committing a probe from every member (${sim.memberIds().join(', ')}) after the faults stopped`,
  );
  if (probeFailures.length > 0) sim.fail(`after the faults stopped, ${probeFailures.join('; ')}`);
  await sim.converge(30_000);
  if (problems.length > 0) sim.fail(problems.join('\n'));
  sim.checkFinal();
  report.steps = sim.steps;
  report.acknowledged = sim.acknowledged.size;
  await sim.stop();
  return report;
}

/** What a call with bad arguments must be refused with, at once. */
interface Expectation {
  type: abstract new (...args: never[]) => RaftError;
  code?: string;
  why: string;
}

const REMOVED_NODE: Expectation = {
  type: ProposalRefusedError,
  code: 'REMOVED',
  why: 'a request on a node that was removed',
};

/** A request's `timeoutMs` and `signal`: mostly valid, sometimes bad (and then what must happen). */
function requestOptions(
  rnd: RandomSource,
  withSignal = true,
): {
  timeoutMs: number | undefined;
  signal: AbortSignalLike | undefined;
  expect: Expectation | undefined;
} {
  const r = rnd();
  if (r < 0.1) {
    const timeoutMs = [Number.NaN, -1, 0, Number.POSITIVE_INFINITY, '100' as unknown as number][
      Math.floor(rnd() * 5)
    ];
    return {
      timeoutMs,
      signal: undefined,
      expect: { type: ConfigurationError, why: `timeoutMs ${String(timeoutMs)}` },
    };
  }
  if (!withSignal)
    return {
      timeoutMs: r < 0.6 ? 50 + Math.floor(rnd() * 1_500) : undefined,
      signal: undefined,
      expect: undefined,
    };
  if (r < 0.15)
    return {
      timeoutMs: undefined,
      signal: abortSignal(true),
      expect: { type: ProposalRefusedError, code: 'ABORTED', why: 'an aborted signal' },
    };
  if (r < 0.2) {
    // Aborted a little later: refused or of unknown outcome, typed either way.
    const signal = abortSignal(false);
    queueMicrotask(() => signal.abort());
    return { timeoutMs: undefined, signal, expect: undefined };
  }
  return {
    timeoutMs: r < 0.6 ? 50 + Math.floor(rnd() * 1_500) : undefined,
    signal: undefined,
    expect: undefined,
  };
}

declare function queueMicrotask(callback: () => void): void;

/** A minimal AbortSignal (the core needs no DOM types). */
function abortSignal(aborted: boolean): AbortSignalLike & { abort(): void } {
  const listeners = new Set<() => void>();
  const signal = {
    aborted,
    addEventListener: (_type: 'abort', listener: () => void) => void listeners.add(listener),
    removeEventListener: (_type: 'abort', listener: () => void) => void listeners.delete(listener),
    abort: () => {
      if (signal.aborted) return;
      signal.aborted = true;
      for (const l of [...listeners]) l();
    },
  };
  return signal;
}

/** Valid JSON payloads, edge cases included (unicode, escapes, -0, deep nesting, undefined properties). */
function validPayload(rnd: RandomSource): unknown {
  const r = rnd();
  if (r < 0.3) return Math.floor(rnd() * 1000);
  if (r < 0.4) return 'quote" back\\slash \u0000 nul 😀 \u2028';
  if (r < 0.5) return { skipped: undefined, zero: -0, list: [1, 'a', null, true, { x: [] }] };
  if (r < 0.6) {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 40; i++) deep = { d: deep };
    return deep;
  }
  if (r < 0.7) return JSON.parse('{"__proto__":{"polluted":true},"ok":1}');
  if (r < 0.8) return 'x'.repeat(Math.floor(rnd() * 5000));
  return null;
}

const cyclic: Record<string, unknown> = {};
cyclic.self = cyclic;
class Point {
  x = 1;
}

/** Commands that are not plain JSON, or too large: refused at once. */
const INVALID_COMMANDS: { what: string; make: () => unknown; tooLarge?: boolean }[] = [
  { what: 'NaN', make: () => ({ n: Number.NaN }) },
  { what: 'Infinity', make: () => [Number.POSITIVE_INFINITY] },
  { what: 'undefined', make: () => undefined },
  { what: 'undefined in an array', make: () => [1, undefined] },
  { what: 'a sparse array', make: () => new Array(3) },
  { what: 'a function', make: () => ({ f: () => 1 }) },
  { what: 'a symbol', make: () => Symbol('s') },
  { what: 'a bigint', make: () => ({ big: 1n }) },
  { what: 'a cycle', make: () => cyclic },
  { what: 'a Map', make: () => new Map([[1, 2]]) },
  { what: 'a Date', make: () => ({ at: new Date(0) }) },
  { what: 'a class instance', make: () => new Point() },
  { what: 'an object with toJSON', make: () => ({ toJSON: () => 'x' }) },
  { what: 'larger than the command limit', make: () => HUGE, tooLarge: true },
];

/** Longer than the default command limit (1 MiB of JSON). */
const HUGE = 'x'.repeat(1024 * 1024 + 1);

/** Addresses that break the address rule. */
const INVALID_ADDRESSES: unknown[] = [
  '',
  '  ',
  ' n1',
  'n1 ',
  'n1\n',
  'a\u0000b',
  undefined,
  null,
  42,
  {},
  [],
  'x'.repeat(300),
];

/** A join/leave/transfer target: a node of the simulation, a never-started one, or a bad address. */
function membershipTarget(
  rnd: RandomSource,
  ids: readonly string[],
  ghost: string,
): { address: unknown; label: string; valid: boolean } {
  const r = rnd();
  if (r < 0.3) {
    const address = INVALID_ADDRESSES[Math.floor(rnd() * INVALID_ADDRESSES.length)];
    return { address, label: labelOf(address), valid: false };
  }
  if (r < 0.4) return { address: ghost, label: ghost, valid: true };
  const id = ids[Math.floor(rnd() * ids.length)]!;
  return { address: id, label: id, valid: true };
}

function labelOf(value: unknown): string {
  if (typeof value === 'string')
    return value.length > 20 ? `a string of ${value.length} characters` : JSON.stringify(value);
  if (Array.isArray(value)) return '[]';
  return typeof value === 'object' && value !== null ? '{}' : String(value);
}

/**
 * Arguments for `gotData`: duplicates of real messages (Raft must tolerate them), and malformed
 * payloads or senders (the validator must drop them with an `error` event). Never a well-formed
 * message that lies: Raft does not tolerate a Byzantine peer, and no validator can tell.
 */
function gotDataArguments(
  rnd: RandomSource,
  ids: readonly string[],
  seen: unknown[] | undefined,
): { from: unknown; payload: unknown } {
  const r = rnd();
  if (r < 0.4 && seen && seen.length > 0) {
    const { from, payload } = seen[Math.floor(rnd() * seen.length)] as { from: string; payload: unknown };
    return { from, payload };
  }
  const from =
    rnd() < 0.8
      ? ids[Math.floor(rnd() * ids.length)]
      : INVALID_ADDRESSES[Math.floor(rnd() * INVALID_ADDRESSES.length)];
  const k = rnd();
  if (k < 0.2) return { from, payload: [null, 1, 'x', [], undefined][Math.floor(rnd() * 5)] };
  if (k < 0.4) return { from, payload: { type: 'nonsense', from, to: 'n1', term: 1 } };
  const type = MESSAGE_TYPES[Math.floor(rnd() * MESSAGE_TYPES.length)];
  // A message of a real type with a field that no validator may let through.
  const broken = [Number.NaN, -1, 2 ** 60, 'x', null, {}][Math.floor(rnd() * 6)];
  return { from, payload: { type, from, to: 'nobody', term: broken } };
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
