import { describe, expect, it } from 'vitest';
import { OutcomeUnknownError, ProposalRefusedError } from '../../src/errors.js';
import { RELIABLE, RecordingStateMachine, Simulation, UNRELIABLE } from '../../src/testing/index.js';
import { checkKvLinearizability, type KvOperation } from '../../src/testing/linearizability.js';
import { nodeIds, pick, scenarioRandom } from './scenario-helpers.js';

// The key-value linearizability check: the checker on hand-made histories, then histories recorded
// from a simulated 5-node cluster under faults. SEED=s replays one seed, SEEDS=n runs more.
const REPLAY = 'SEED={seed} pnpm vitest run packages/core/test/sim/linearizability.sim.test.ts';

type Op = Omit<KvOperation, 'client'> & { client?: string };
const h = (...ops: Op[]): KvOperation[] => ops.map((o) => ({ client: 'c', ...o }));
const put = (key: string, value: string, call: number, ret: number | null): Op => ({
  kind: 'put',
  key,
  value,
  output: ret === null ? undefined : [value],
  call,
  ret,
});
const append = (
  key: string,
  value: string,
  output: string[] | undefined,
  call: number,
  ret: number | null,
): Op => ({
  kind: 'append',
  key,
  value,
  output,
  call,
  ret,
});
const get = (key: string, output: string[], call: number, ret: number): Op => ({
  kind: 'get',
  key,
  output,
  call,
  ret,
});
const cas = (
  key: string,
  expected: string[],
  value: string,
  ok: boolean | undefined,
  call: number,
  ret: number | null,
): Op => ({
  kind: 'cas',
  key,
  expected,
  value,
  output: ok === undefined ? undefined : { ok },
  call,
  ret,
});

describe('checkKvLinearizability on hand-made histories', () => {
  it('accepts a sequential, correct history', () => {
    const r = checkKvLinearizability(
      h(
        get('k', [], 0, 1),
        put('k', 'a', 2, 3),
        append('k', 'b', ['a', 'b'], 4, 5),
        get('k', ['a', 'b'], 6, 7),
        cas('k', ['a'], 'x', false, 8, 9),
        cas('k', ['a', 'b'], 'c', true, 10, 11),
        get('k', ['c'], 12, 13),
      ),
    );
    expect(r).toEqual({ ok: true });
  });

  it('accepts an empty history and ignores reads that never returned', () => {
    expect(checkKvLinearizability([])).toEqual({ ok: true });
    expect(
      checkKvLinearizability(h({ kind: 'get', key: 'k', output: ['nonsense'], call: 0, ret: null })),
    ).toEqual({ ok: true });
  });

  it('rejects a stale read', () => {
    const r = checkKvLinearizability(
      h(put('k', 'x', 0, 1), put('k', 'y', 2, 3), { ...get('k', ['x'], 4, 5), client: 'reader' }),
    );
    expect(r.ok).toBe(false);
    if (r.ok !== false) return;
    expect(r.key).toBe('k');
    expect(r.explanation).toContain('client reader: get("k") => ["x"]');
  });

  it('rejects a lost append', () => {
    const r = checkKvLinearizability(
      h(append('k', 'a', ['a'], 0, 1), append('k', 'b', ['a', 'b'], 2, 3), get('k', ['a'], 4, 5)),
    );
    expect(r.ok).toBe(false);
    // Even when the append's own output was not recorded, the later read shows the loss.
    const r2 = checkKvLinearizability(
      h(append('k', 'a', undefined, 0, 1), append('k', 'b', undefined, 2, 3), get('k', ['b'], 4, 5)),
    );
    expect(r2.ok).toBe(false);
  });

  it('rejects an append that appears twice', () => {
    expect(checkKvLinearizability(h(append('k', 'a', ['a'], 0, 1), get('k', ['a', 'a'], 2, 3))).ok).toBe(
      false,
    );
    // Also when the append's outcome is unknown (a retry applied twice), and concurrent with the read.
    expect(
      checkKvLinearizability(h(append('k', 'a', undefined, 0, null), get('k', ['a', 'a'], 1, 5))).ok,
    ).toBe(false);
    // An append's output showing it twice.
    expect(checkKvLinearizability(h(append('k', 'a', ['a', 'a'], 0, 1))).ok).toBe(false);
  });

  it('accepts concurrent operations in either order', () => {
    for (const order of [
      ['a', 'b'],
      ['b', 'a'],
    ]) {
      const r = checkKvLinearizability(
        h(append('k', 'a', undefined, 0, 10), append('k', 'b', undefined, 1, 9), get('k', order, 11, 12)),
      );
      expect(r).toEqual({ ok: true });
    }
    // A read concurrent with a write may see the old or the new value, but not go back after the new one.
    const old = h(put('k', 'x', 0, 1), put('k', 'y', 2, 10), get('k', ['x'], 3, 4), get('k', ['y'], 5, 6));
    expect(checkKvLinearizability(old)).toEqual({ ok: true });
    const back = h(put('k', 'x', 0, 1), put('k', 'y', 2, 10), get('k', ['y'], 3, 4), get('k', ['x'], 5, 6));
    expect(checkKvLinearizability(back).ok).toBe(false);
    // The outputs of overlapping appends fix their order.
    const fixed = h(
      append('k', 'a', ['b', 'a'], 0, 10),
      append('k', 'b', ['b'], 1, 9),
      get('k', ['a', 'b'], 11, 12),
    );
    expect(checkKvLinearizability(fixed).ok).toBe(false);
  });

  it('treats equal times as concurrent', () => {
    expect(checkKvLinearizability(h(put('k', 'x', 0, 5), get('k', [], 5, 6)))).toEqual({ ok: true });
    expect(checkKvLinearizability(h(put('k', 'x', 0, 5), get('k', [], 5.001, 6))).ok).toBe(false);
  });

  it('accepts an unknown-outcome write that took effect, and one that did not', () => {
    const base = [put('k', 'x', 0, 1), append('k', 'y', undefined, 2, null)];
    expect(checkKvLinearizability(h(...base, get('k', ['x'], 3, 4)))).toEqual({ ok: true });
    expect(checkKvLinearizability(h(...base, get('k', ['x', 'y'], 3, 4)))).toEqual({ ok: true });
    // It may take effect long after its call...
    expect(
      checkKvLinearizability(
        h(...base, get('k', ['x'], 3, 4), get('k', ['x'], 50, 51), get('k', ['x', 'y'], 90, 91)),
      ),
    ).toEqual({ ok: true });
    // ...but not be undone once seen.
    expect(checkKvLinearizability(h(...base, get('k', ['x', 'y'], 3, 4), get('k', ['x'], 5, 6))).ok).toBe(
      false,
    );
    // And not before it was called.
    expect(
      checkKvLinearizability(
        h(put('k', 'x', 0, 1), get('k', ['x', 'y'], 2, 3), append('k', 'y', undefined, 4, null)),
      ).ok,
    ).toBe(false);
    // An unknown cas either way.
    const c = [put('k', 'x', 0, 1), cas('k', ['x'], 'z', undefined, 2, null)];
    expect(checkKvLinearizability(h(...c, get('k', ['x'], 3, 4)))).toEqual({ ok: true });
    expect(checkKvLinearizability(h(...c, get('k', ['z'], 3, 4)))).toEqual({ ok: true });
  });

  it('checks cas results against the model', () => {
    expect(checkKvLinearizability(h(put('k', 'x', 0, 1), cas('k', ['x'], 'y', false, 2, 3))).ok).toBe(false);
    expect(checkKvLinearizability(h(cas('k', ['x'], 'y', true, 2, 3))).ok).toBe(false);
    expect(checkKvLinearizability(h(cas('k', [], 'y', true, 2, 3), get('k', ['y'], 4, 5)))).toEqual({
      ok: true,
    });
    // A bare boolean output is accepted too.
    expect(
      checkKvLinearizability(
        h({ kind: 'cas', key: 'k', expected: [], value: 'y', output: true, call: 0, ret: 1 }),
      ),
    ).toEqual({ ok: true });
  });

  it('checks each key on its own and names the bad one', () => {
    const r = checkKvLinearizability(
      h(
        put('a', '1', 0, 10),
        get('b', [], 1, 2),
        put('b', '2', 3, 4),
        get('a', ['1'], 5, 6),
        get('b', [], 7, 8),
      ),
    );
    expect(r.ok).toBe(false);
    if (r.ok === false) expect(r.key).toBe('b');
  });

  it('answers unknown instead of hanging when the budget runs out', () => {
    // Many overlapping appends whose order no read pins down until a contradiction at the end.
    const ops: Op[] = [];
    for (let i = 0; i < 14; i++) ops.push(append('k', `v${i}`, undefined, i, 100 + i));
    ops.push(get('k', ['impossible'], 200, 201));
    const r = checkKvLinearizability(h(...ops), { maxStates: 1_000 });
    expect(r.ok).toBe('unknown');
  });

  it('rejects malformed operations', () => {
    expect(() => checkKvLinearizability(h(put('k', 'x', 5, 1)))).toThrow(TypeError);
    expect(() => checkKvLinearizability(h({ kind: 'append', key: 'k', call: 0, ret: 1 }))).toThrow(TypeError);
    expect(() => checkKvLinearizability(h({ kind: 'cas', key: 'k', value: 'v', call: 0, ret: 1 }))).toThrow(
      TypeError,
    );
  });
});

// ---------------------------------------------------------------- the cluster

interface KvCommand {
  id: string;
  kind: 'put' | 'append' | 'cas';
  key: string;
  value: string;
  expected?: string[];
}

/** A replicated key-value store: each key holds a list of strings (the checker's model). */
class KvStateMachine extends RecordingStateMachine {
  kv = new Map<string, string[]>();

  override apply(command: unknown, meta: { index: number; term: number }): unknown {
    super.apply(command, meta);
    const c = command as KvCommand;
    const current = this.kv.get(c.key) ?? [];
    switch (c.kind) {
      case 'put':
        this.kv.set(c.key, [c.value]);
        return [c.value];
      case 'append': {
        const next = [...current, c.value];
        this.kv.set(c.key, next);
        return [...next];
      }
      case 'cas': {
        const ok = JSON.stringify(current) === JSON.stringify(c.expected);
        if (ok) this.kv.set(c.key, [c.value]);
        return { ok };
      }
    }
  }

  get(key: string): string[] {
    return [...(this.kv.get(key) ?? [])];
  }

  override snapshot(): unknown {
    const kv: Record<string, string[]> = {};
    for (const [k, v] of this.kv) kv[k] = [...v];
    return { ...(super.snapshot() as object), kv };
  }

  override restore(snapshot: unknown): void {
    super.restore(snapshot);
    const kv = (snapshot as { kv: Record<string, string[]> }).kv;
    this.kv = new Map(Object.entries(kv).map(([k, v]) => [k, [...v]]));
  }
}

interface Recorded extends KvOperation {
  /** Refused: it did not happen, so it is not part of the history. */
  dropped: boolean;
  settled: boolean;
}

interface RunReport {
  history: KvOperation[];
  completed: number;
  unknown: number;
  dropped: number;
  crashes: number;
  partitions: number;
}

async function runKvSimulation(seed: number, options: { staleReads?: boolean } = {}): Promise<RunReport> {
  const ids = nodeIds(5);
  const sim = new Simulation({
    seed,
    nodes: ids,
    faults: { ...UNRELIABLE },
    storageLatency: [0, 3],
    tuning: {
      snapshotThreshold: 40,
      snapshotTrailingEntries: 5,
      snapshotChunkChars: 256,
      proposalTimeout: 1_000,
      maxInflight: 4,
      maxEntriesPerAppend: 8,
      // Every third seed serves reads from the leader's lease (one virtual clock: no drift).
      readPolicy: seed % 3 === 0 ? 'lease' : 'readIndex',
    },
    replay: REPLAY,
    stateMachine: (onApply) => new KvStateMachine(onApply),
  });
  const rnd = scenarioRandom(seed, 0x11ea7);
  const keys = ['k0', 'k1', 'k2'].slice(0, 2 + Math.floor(rnd() * 2));
  const clientCount = 4 + Math.floor(rnd() * 3);
  const ops: Recorded[] = [];
  let crashes = 0;
  let partitions = 0;
  let uid = 0;
  let running = true;
  const unexpected: unknown[] = [];

  // Strictly increasing timestamps in virtual time: events in the same virtual instant still get the
  // order in which they really happened.
  let last = Number.NEGATIVE_INFINITY;
  const stamp = (): number => {
    const t = sim.clock.now();
    last = t > last ? t : last + 1e-6;
    return last;
  };

  interface Client {
    name: string;
    node: string | null;
    /** The last value this client saw per key, so that some cas operations succeed. */
    seen: Map<string, string[]>;
  }

  const issue = (client: Client): void => {
    if (!running) return;
    const live = sim.liveIds();
    const again = () => sim.clock.setTimer(rnd() * 30, () => issue(client));
    if (live.length === 0) {
      again();
      return;
    }
    if (client.node === null || !sim.isAlive(client.node) || rnd() < 0.05) client.node = pick(rnd, live);
    const node = client.node;
    const raft = sim.raft(node);
    const sm = sim.stateMachine(node) as KvStateMachine;
    const key = pick(rnd, keys);
    const r = rnd();
    const kind: KvOperation['kind'] = r < 0.4 ? 'get' : r < 0.5 ? 'put' : r < 0.8 ? 'append' : 'cas';
    const op: Recorded = {
      client: client.name,
      kind,
      key,
      call: 0,
      ret: null,
      dropped: false,
      settled: false,
    };
    const value = `${client.name}.${++uid}`;
    if (kind !== 'get') op.value = value;
    if (kind === 'cas')
      op.expected = rnd() < 0.7 ? (client.seen.get(key) ?? []) : [`${client.name}.${uid - 1}`];
    ops.push(op);
    const refused = (error: unknown) => {
      // ProposalRefusedError (NodeStoppedError included): it did not and will not happen. Anything else
      // (OutcomeUnknownError, a crash under a forwarded proposal) may still take effect.
      op.settled = true;
      if (error instanceof ProposalRefusedError || kind === 'get') op.dropped = true;
      else if (!(error instanceof OutcomeUnknownError)) unexpected.push(error);
    };
    // Some short timeouts, so that outcomes are often unknown and proposals outlive their promise.
    const timeout = rnd() < 0.3 ? 100 + rnd() * 300 : 1_000;
    op.call = stamp();
    if (kind === 'get' && options.staleReads) {
      // The mistake a linearizable read avoids: answering from the local state with no barrier.
      sim.clock.setTimer(rnd() * 5, () => {
        op.output = sm.get(key);
        op.ret = stamp();
        op.settled = true;
        again();
      });
    } else if (kind === 'get') {
      raft
        .read({ timeoutMs: timeout })
        .then(
          () => {
            // Read the local state synchronously, in the continuation of the barrier.
            op.output = sm.get(key);
            op.ret = stamp();
            op.settled = true;
            client.seen.set(key, op.output as string[]);
          },
          (error: unknown) => refused(error),
        )
        .finally(again);
    } else {
      const command: KvCommand = { id: `${seed}/${value}`, kind, key, value };
      if (kind === 'cas') command.expected = op.expected as string[];
      raft
        .propose(command, { timeoutMs: timeout })
        .then(
          (result) => {
            op.output = result.result;
            op.ret = stamp();
            op.settled = true;
            if (kind !== 'cas') client.seen.set(key, result.result as string[]);
          },
          (error: unknown) => refused(error),
        )
        .finally(again);
    }
  };

  await sim.start();
  const clients: Client[] = Array.from({ length: clientCount }, (_, i) => ({
    name: `c${i + 1}`,
    node: null,
    seen: new Map(),
  }));
  for (const c of clients) sim.clock.setTimer(rnd() * 50, () => issue(c));

  // Faults, as the chaos scenario makes them.
  const end = sim.clock.now() + 2_500;
  while (sim.clock.now() < end) {
    const r = rnd();
    const live = sim.liveIds();
    const dead = ids.filter((id) => !sim.isAlive(id));
    if (r < 0.05 && live.length > 1) {
      sim.crash(pick(rnd, live));
      crashes++;
    } else if (r < 0.12 && dead.length > 0) {
      await sim.startNode(pick(rnd, dead));
    } else if (r < 0.16) {
      const shuffled = [...ids].sort(() => rnd() - 0.5);
      const cut = 1 + Math.floor(rnd() * (ids.length - 1));
      sim.network.partition([shuffled.slice(0, cut), shuffled.slice(cut)]);
      partitions++;
    } else if (r < 0.18) {
      const [a, b] = [pick(rnd, ids), pick(rnd, ids)];
      if (a !== b) sim.network.disconnect(a, b, true);
    } else if (r < 0.25) {
      sim.network.heal();
    } else if (r < 0.28) {
      sim.network.faults =
        rnd() < 0.5
          ? { ...RELIABLE }
          : { ...UNRELIABLE, longDelay: 0.1, longDelayMin: 200, longDelayMax: 800 };
    }
    await sim.runFor(10 + rnd() * 50);
  }

  // Heal, stop issuing, let every pending operation settle (the timeouts are at most 1 s).
  running = false;
  for (const id of ids) if (!sim.isAlive(id)) await sim.startNode(id);
  await sim.converge(30_000);
  await sim.runUntil(() => ops.every((o) => o.settled), 5_000, 'settling every client operation');
  await sim.converge(30_000);

  // A final read of every key from every node: what the history must end with. On a reliable network,
  // since a forwarded read whose message is lost is not retried (it times out).
  sim.network.faults = { ...RELIABLE };
  for (const id of sim.liveIds()) {
    for (const key of keys) {
      const sm = sim.stateMachine(id) as KvStateMachine;
      const op: Recorded = {
        client: `final@${id}`,
        kind: 'get',
        key,
        call: stamp(),
        ret: null,
        dropped: false,
        settled: false,
      };
      ops.push(op);
      sim
        .raft(id)
        .read({ timeoutMs: 5_000 })
        .then(
          () => {
            op.output = sm.get(key);
            op.ret = stamp();
            op.settled = true;
          },
          () => {
            op.settled = true;
          },
        );
    }
  }
  await sim.runUntil(() => ops.every((o) => o.settled), 10_000, 'the final reads');
  expect(
    ops.filter((o) => o.client.toString().startsWith('final@')).every((o) => o.ret !== null),
    `seed ${seed}: a final read failed on the healed cluster`,
  ).toBe(true);

  // The final reads took time, in which a proposal still in flight may have committed on the leader:
  // every node applies it before the stores are compared.
  await sim.converge(30_000);
  // Every node holds the same store, and no appended value appears twice in it.
  const live = sim.liveIds();
  const reference = JSON.stringify([...(sim.stateMachine(live[0]!) as KvStateMachine).kv].sort());
  for (const id of live) {
    const sm = sim.stateMachine(id) as KvStateMachine;
    const kv = JSON.stringify([...sm.kv].sort());
    if (kv !== reference) sim.fail(`${id} holds ${kv}, ${live[0]} holds ${reference}`);
    for (const [key, list] of sm.kv) {
      const twice = list.filter((v, i) => list.indexOf(v) !== i);
      if (twice.length > 0)
        sim.fail(`${id}: ${twice.join(', ')} appear twice in ${key} = ${JSON.stringify(list)}`);
    }
  }
  sim.checkFinal();
  await sim.stop();
  if (unexpected.length > 0) sim.fail(`a proposal failed with an untyped error: ${String(unexpected[0])}`);

  const history: KvOperation[] = ops
    .filter((o) => !o.dropped)
    .map(({ dropped: _d, settled: _s, ...op }) => (op.ret === null ? { ...op, output: undefined } : op));
  return {
    history,
    completed: history.filter((o) => o.ret !== null).length,
    unknown: history.filter((o) => o.ret === null).length,
    dropped: ops.length - history.length,
    crashes,
    partitions,
  };
}

const single =
  process.env.SEED === undefined || process.env.SEED === '' ? undefined : Number(process.env.SEED);
const count = Number(process.env.SEEDS ?? 30);
const seeds = single !== undefined ? [single] : Array.from({ length: count }, (_, i) => 7_001 + i);

describe('linearizable key-value store on a faulty simulated cluster', () => {
  it(`every history over ${seeds.length} seeds is linearizable`, async () => {
    const totals = {
      completed: 0,
      unknown: 0,
      dropped: 0,
      crashes: 0,
      partitions: 0,
      writes: 0,
      reads: 0,
      checkMs: 0,
    };
    for (const seed of seeds) {
      let report: RunReport;
      try {
        report = await runKvSimulation(seed);
      } catch (error) {
        console.error(`seed ${seed} failed; replay: ${REPLAY.replace('{seed}', String(seed))}`);
        throw error;
      }
      const started = performance.now();
      const result = checkKvLinearizability(report.history);
      totals.checkMs += performance.now() - started;
      if (result.ok !== true) {
        const replay = REPLAY.replace('{seed}', String(seed));
        const message = `seed ${seed}: the history is ${result.ok === false ? 'not linearizable' : 'too hard to check'} (${result.key})\n${result.explanation}\n  replay: ${replay}`;
        console.error(message);
        expect.fail(message);
      }
      totals.completed += report.completed;
      totals.unknown += report.unknown;
      totals.dropped += report.dropped;
      totals.crashes += report.crashes;
      totals.partitions += report.partitions;
      totals.writes += report.history.filter((o) => o.kind !== 'get' && o.ret !== null).length;
      totals.reads += report.history.filter((o) => o.kind === 'get').length;
      // Each run must have done some work under faults, or it checked nothing.
      expect(report.completed, `seed ${seed}: almost nothing completed`).toBeGreaterThan(5);
    }
    totals.checkMs = Math.round(totals.checkMs);
    console.log(`linearizability: ${seeds.length} seeds`, totals);
    if (seeds.length >= 10) {
      // Over a sweep: plenty of operations, and faults that left some outcomes unknown.
      expect(totals.completed).toBeGreaterThan(40 * seeds.length);
      expect(totals.unknown, 'no fault ever left an outcome unknown').toBeGreaterThan(0);
    }
  }, 120_000);
});

describe('the check is not vacuous', () => {
  it('finds the stale reads of a store that reads without the ReadIndex barrier', async () => {
    // The same runs, but every read answers from the local state at once: followers and deposed
    // leaders serve old values, which the checker must notice.
    let found: { seed: number; explanation: string } | null = null;
    for (let seed = 9_001; seed <= 9_005 && found === null; seed++) {
      const result = checkKvLinearizability((await runKvSimulation(seed, { staleReads: true })).history);
      if (result.ok === false) found = { seed, explanation: result.explanation };
    }
    expect(found, 'no stale read detected in 5 seeds').not.toBeNull();
    expect(found!.explanation).toMatch(/get\("k\d"\)/);
  }, 60_000);
});
