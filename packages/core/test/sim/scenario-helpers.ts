/**
 * Shared helpers for the scenario tests (docs/scenarios.md) on the deterministic simulator. Every scenario
 * runs with a fixed seed; `SEED=s` replays one seed (printed with any failure by `SimulationError`).
 */

import type { Entry, Message } from '../../src/protocol/types.js';
import { type RandomSource, seededRandom, sleep } from '../../src/runtime/clock.js';
import { type Simulation, SimulationError } from '../../src/testing/index.js';

/** The seed to use: `SEED` from the environment when set, else the test's fixed default. */
export function seedOr(defaultSeed: number): number {
  const s = process.env.SEED;
  return s === undefined || s === '' ? defaultSeed : Number(s);
}

/** The seeds to sweep: only `SEED` when it is set, else the defaults. */
export function seedsOr(defaults: number[]): number[] {
  const s = process.env.SEED;
  return s === undefined || s === '' ? defaults : [Number(s)];
}

/** The replay command `SimulationError` prints with the failing seed. */
export function replayFor(file: string): string {
  return `SEED={seed} pnpm vitest run packages/core/test/sim/${file}`;
}

export function nodeIds(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `n${i + 1}`);
}

/** A seeded source for the scenario's own choices (which node to cut, and so on). */
export function scenarioRandom(seed: number, salt: number): RandomSource {
  return seededRandom((seed ^ salt) >>> 0);
}

export function pick<T>(rnd: RandomSource, xs: readonly T[]): T {
  return xs[Math.floor(rnd() * xs.length)]!;
}

/** `k` distinct elements of `xs`, chosen with `rnd`. */
export function pickDistinct<T>(rnd: RandomSource, xs: readonly T[], k: number): T[] {
  const pool = [...xs];
  const out: T[] = [];
  while (out.length < k && pool.length > 0) out.push(pool.splice(Math.floor(rnd() * pool.length), 1)[0]!);
  return out;
}

/**
 * Runs `body` for each seed in turn. A failure of any kind names its seed and the command that replays
 * it (a SimulationError already does; a plain `expect` would not).
 */
export async function forEachSeed(
  seeds: readonly number[],
  file: string,
  body: (seed: number) => Promise<void>,
): Promise<void> {
  for (const seed of seeds) {
    try {
      await body(seed);
    } catch (error) {
      if (error instanceof SimulationError || !(error instanceof Error)) throw error;
      error.message = `seed ${seed} (replay: SEED=${seed} pnpm vitest run packages/core/test/sim/${file}): ${error.message}`;
      throw error;
    }
  }
}

/** Runs the simulation for `ms` virtual milliseconds, calling `check` after every single step. */
export async function runChecking(sim: Simulation, ms: number, check: () => void): Promise<void> {
  const until = sim.clock.now() + ms;
  for (;;) {
    const next = sim.clock.peekTime();
    if (next === undefined || next > until) break;
    await sim.step();
    check();
  }
  sim.clock.advanceTo(until);
}

/** Sleeps `ms` of virtual time (resolves when the simulator reaches it). */
export function virtualSleep(sim: Simulation, ms: number): Promise<void> {
  return sleep(sim.clock, ms);
}

/** Lets pending promise continuations run without advancing virtual time. */
export async function flushMicrotasks(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}

/** The entries a node holds in memory (after its snapshot). */
export function entriesOf(sim: Simulation, id: string): Entry[] {
  return sim.raft(id).raftNode.protocol.log.entries;
}

/** The command id at `index` of a node's log, or the entry kind for a non-command entry. */
export function commandAt(sim: Simulation, id: string, index: number): string | undefined {
  const e = sim.raft(id).raftNode.protocol.log.entry(index);
  if (!e) return undefined;
  return e.kind === 'command' ? (e.data as { id: string }).id : e.kind;
}

/** Term of the entry at `index` in a node's log. */
export function termAt(sim: Simulation, id: string, index: number): number | undefined {
  return sim.raft(id).raftNode.protocol.log.term(index);
}

function fingerprint(e: Entry): string {
  return `${e.term}|${e.kind}|${e.client ?? ''}|${e.seq ?? ''}|${JSON.stringify(e.data ?? null)}`;
}

/**
 * Runs until the cluster is quiet (every live node holds, has committed and has applied the same last
 * index), then checks that every live node has the same entries wherever two logs overlap (snapshots
 * may have compacted different prefixes). Returns the last index.
 */
export async function expectIdenticalLogs(sim: Simulation, maxMs = 10_000): Promise<number> {
  const quiet = () => {
    const live = sim.liveIds();
    const last = sim.status(live[0]!).lastIndex;
    return live.every((id) => {
      const s = sim.status(id);
      return s.lastIndex === last && s.commitIndex === last && sim.raft(id).raftNode.appliedIndex === last;
    });
  };
  await sim.runUntil(quiet, maxMs, 'every log identical, committed and applied');
  const live = sim.liveIds();
  const ref = live[0]!;
  const refLog = sim.raft(ref).raftNode.protocol.log;
  for (const id of live) {
    const log = sim.raft(id).raftNode.protocol.log;
    const lo = Math.max(log.firstIndex(), refLog.firstIndex());
    for (let i = lo; i <= log.lastIndex(); i++) {
      if (fingerprint(log.entry(i)!) !== fingerprint(refLog.entry(i)!))
        sim.fail(`entry ${i} differs between ${id} and ${ref}`);
    }
  }
  return refLog.lastIndex();
}

/** Chains a delivery filter after whatever filter is installed (false drops the message). */
export function addFilter(sim: Simulation, f: (from: string, to: string, m: Message) => boolean): void {
  const prev = sim.network.filter;
  sim.network.filter = (from, to, payload) =>
    (prev ? prev(from, to, payload) : true) && f(from, to, payload as Message);
}

/** Counts every message as it is sent (before faults), by type; keeps the invariant checker's hook. */
export function countSent(sim: Simulation): {
  byType: Map<string, number>;
  total(): number;
  count(type: string): number;
  reset(): void;
  bytes(): number;
} {
  const byType = new Map<string, number>();
  let bytes = 0;
  const prev = sim.network.onSend;
  sim.network.onSend = (from, to, payload) => {
    prev?.(from, to, payload);
    const type = (payload as Message).type;
    byType.set(type, (byType.get(type) ?? 0) + 1);
    bytes += JSON.stringify(payload).length;
  };
  return {
    byType,
    total: () => [...byType.values()].reduce((a, b) => a + b, 0),
    count: (type) => byType.get(type) ?? 0,
    reset: () => {
      byType.clear();
      bytes = 0;
    },
    bytes: () => bytes,
  };
}

const REPLIES = new Set(['appendResponse', 'heartbeatResponse', 'voteResponse', 'snapshotResponse']);

/**
 * Holds back a share of the messages matching `which` for a long, random time, then delivers them
 * to whatever incarnation of the node is running (unless the link is cut by then): the labs' "long
 * reordering" (two thirds of replies delayed 200-2200 ms) when used with `isReply`.
 */
export function delayMessages(
  sim: Simulation,
  rnd: RandomSource,
  opts: { which: (m: Message) => boolean; probability: number; delayMs: () => number },
): { delayed(): number; stop(): void } {
  let delayed = 0;
  let active = true;
  addFilter(sim, (from, to, m) => {
    if (!active || !opts.which(m) || rnd() >= opts.probability) return true;
    delayed++;
    sim.clock.setTimer(opts.delayMs(), () => {
      // Delivered straight to the node, not through the network again (so it is not delayed twice).
      if (!sim.isAlive(to) || sim.network.isCut(from, to)) return;
      sim.raft(to).gotData(from, m);
    });
    return false;
  });
  return {
    delayed: () => delayed,
    stop: () => {
      active = false;
    },
  };
}

export function isReply(m: Message): boolean {
  return REPLIES.has(m.type);
}

/** Settled state of a promise, observed without awaiting it. */
export function track<T>(p: Promise<T>): {
  state(): 'pending' | 'fulfilled' | 'rejected';
  value(): T | undefined;
  error(): unknown;
} {
  let state: 'pending' | 'fulfilled' | 'rejected' = 'pending';
  let value: T | undefined;
  let error: unknown;
  p.then(
    (v) => {
      state = 'fulfilled';
      value = v;
    },
    (e) => {
      state = 'rejected';
      error = e;
    },
  );
  return { state: () => state, value: () => value, error: () => error };
}

/**
 * `n` clients, each proposing from a random live node, waiting for the outcome, then pausing a random
 * virtual time. Every rejection must be a typed `RaftError`; the simulation records acknowledgements.
 */
export function startClients(
  sim: Simulation,
  rnd: RandomSource,
  n: number,
  opts: { timeoutMs: number; pauseMs: number },
): { stop(): void; acked: number[]; errors: unknown[] } {
  let stopped = false;
  const acked = new Array<number>(n).fill(0);
  const errors: unknown[] = [];
  const client = async (k: number) => {
    while (!stopped) {
      const live = sim.liveIds();
      if (live.length > 0) {
        try {
          await sim.propose(pick(rnd, live), { timeoutMs: opts.timeoutMs }).result;
          acked[k]!++;
        } catch (error) {
          errors.push(error);
        }
      }
      await virtualSleep(sim, 1 + rnd() * opts.pauseMs);
    }
  };
  for (let k = 0; k < n; k++) void client(k);
  return {
    stop: () => {
      stopped = true;
    },
    acked,
    errors,
  };
}
