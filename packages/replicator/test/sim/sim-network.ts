import { seededRandom } from '@webraft/core';
import { SimulationError } from '@webraft/core/testing';
import { MemoryLevel } from 'memory-level';
import {
  auditStore,
  largerWriterWins,
  type PullAnswer,
  type PullRequest,
  Replica,
  ReplicaStore,
} from '../../src/index.js';

/** A write the scenario made: the oracle for "no write lost unless a larger version replaced it". */
export interface IssuedWrite {
  key: string;
  clock: number;
  writer: string;
  op: 'put' | 'del';
  value: string | undefined;
}

/** An exchange in progress: a pull of `server` by `puller`, advanced one step at a time. */
interface Exchange {
  puller: number;
  server: number;
  request: PullRequest;
  answer: PullAnswer | undefined;
}

export interface SimOptions {
  seed: number;
  steps: number;
  compact: boolean;
  replay: string;
}

const KEYS = 8;
const PAGE = 3;

/**
 * A seeded network of 3 to 7 replicas (each a Replica over its own memory-level store), driven step by
 * step: random writes and deletes, partitions, pulls advanced one step at a time (request, serve, apply)
 * and interleaved with everything else, crashes between any two steps (the replica's objects are
 * dropped and reopened from its store), tombstone compaction. `run` then heals the network, syncs every
 * pair to quiescence and checks convergence, the oracle and the store invariant.
 */
export class SimNetwork {
  readonly random: () => number;
  readonly options: SimOptions;
  readonly ids: string[];
  readonly dbs: MemoryLevel[];
  replicas: Replica[] = [];
  /** The partition group of each replica: exchanges only run within a group. */
  group: number[];
  readonly issued: IssuedWrite[] = [];
  readonly #exchanges: Exchange[] = [];
  #writes = 0;
  crashes = 0;
  /** Tombstones compaction dropped. */
  dropped = 0;

  constructor(options: SimOptions) {
    this.options = options;
    this.random = seededRandom(options.seed);
    const n = 3 + Math.floor(this.random() * 5);
    this.ids = Array.from({ length: n }, (_, i) => `r${i}`);
    this.dbs = this.ids.map(() => new MemoryLevel());
    this.group = this.ids.map(() => 0);
  }

  fail(message: string): never {
    throw new SimulationError(message, this.options.seed, this.options.replay);
  }

  #pick(n: number): number {
    return Math.floor(this.random() * n);
  }

  async #open(i: number): Promise<Replica> {
    const store = new ReplicaStore(this.dbs[i] as MemoryLevel);
    await store.open();
    return new Replica(this.ids[i] as string, store, largerWriterWins, PAGE);
  }

  async start(): Promise<void> {
    this.replicas = await Promise.all(this.ids.map((_, i) => this.#open(i)));
  }

  #replica(i: number): Replica {
    return this.replicas[i] as Replica;
  }

  async #write(i: number): Promise<void> {
    const r = this.#replica(i);
    const key = `k${this.#pick(KEYS)}`;
    const del = this.random() < 0.3;
    const value = del ? undefined : `${r.id}:${this.#writes++}`;
    await r.store.writeLocal([del ? { type: 'del', key } : { type: 'put', key, value }], r.id, this.#writes);
    const entry = (await r.store.entry(key))?.entry;
    if (entry === undefined) this.fail(`write of ${key} at ${r.id} left no record`);
    this.issued.push({ key, clock: entry.clock, writer: r.id, op: del ? 'del' : 'put', value });
  }

  /** Crash: what is in memory (the replica objects, its exchanges in flight) is lost; the store stays. */
  async #crash(i: number): Promise<void> {
    this.crashes++;
    for (let x = this.#exchanges.length - 1; x >= 0; x--) {
      const e = this.#exchanges[x] as Exchange;
      if (e.puller === i || e.server === i) this.#exchanges.splice(x, 1);
    }
    this.replicas[i] = await this.#open(i);
    await this.#audit(i, 'after a crash');
  }

  async #audit(i: number, when: string): Promise<void> {
    const problems = await auditStore(this.#replica(i).store);
    if (problems.length > 0) this.fail(`${this.ids[i]} inconsistent ${when}: ${problems.join('; ')}`);
  }

  /** Advances one exchange by one step; one whose link is cut is dropped (a lost message). */
  async #advance(x: number): Promise<void> {
    const e = this.#exchanges[x] as Exchange;
    if (this.group[e.puller] !== this.group[e.server]) {
      this.#exchanges.splice(x, 1);
      return;
    }
    const puller = this.#replica(e.puller);
    if (e.answer === undefined) {
      e.answer = await this.#replica(e.server).serve(e.request);
      return;
    }
    this.#exchanges.splice(x, 1);
    const { more } = await puller.apply(e.request, this.ids[e.server] as string, e.answer);
    if (more) await this.#begin(e.puller, e.server);
  }

  async #begin(puller: number, server: number): Promise<void> {
    const request = await this.#replica(puller).request(this.ids[server] as string);
    this.#exchanges.push({ puller, server, request, answer: undefined });
  }

  #partition(): void {
    const groups = 1 + this.#pick(3);
    this.group = this.ids.map(() => this.#pick(groups));
  }

  async step(): Promise<void> {
    const n = this.ids.length;
    const roll = this.random();
    if (roll < 0.3) await this.#write(this.#pick(n));
    else if (roll < 0.5) {
      const puller = this.#pick(n);
      const server = (puller + 1 + this.#pick(n - 1)) % n;
      await this.#begin(puller, server);
    } else if (roll < 0.85) {
      if (this.#exchanges.length > 0) await this.#advance(this.#pick(this.#exchanges.length));
    } else if (roll < 0.9) await this.#crash(this.#pick(n));
    else if (roll < 0.95) this.#partition();
    else if (this.options.compact) {
      const i = this.#pick(n);
      this.dropped += await this.#replica(i).store.compact(this.ids.filter((_, j) => j !== i));
    }
  }

  /** One full pull of `server` by `puller`, every page. Returns the records applied. */
  async pull(puller: number, server: number): Promise<number> {
    const p = this.#replica(puller);
    let applied = 0;
    for (let more = true; more; ) {
      const request = await p.request(this.ids[server] as string);
      const result = await p.apply(
        request,
        this.ids[server] as string,
        await this.#replica(server).serve(request),
      );
      applied += result.applied;
      more = result.more;
    }
    return applied;
  }

  /** Heals, drops what is in flight, and syncs every ordered pair until a round applies nothing. */
  async settle(): Promise<number> {
    this.group = this.ids.map(() => 0);
    this.#exchanges.length = 0;
    const n = this.ids.length;
    for (let round = 1; round <= n + 2; round++) {
      let applied = 0;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) applied += await this.pull(i, j);
      if (applied === 0) return round;
    }
    return this.fail(`no quiescence after ${n + 2} rounds of pairwise sync`);
  }

  async run(): Promise<void> {
    await this.start();
    for (let s = 0; s < this.options.steps; s++) await this.step();
    await this.settle();
    if (this.options.compact) {
      for (let i = 0; i < this.ids.length; i++)
        this.dropped += await this.#replica(i).store.compact(this.ids.filter((_, j) => j !== i));
    }
    await this.check();
  }

  /** Each replica's state: key -> version and value, tombstones included. */
  async #state(i: number): Promise<Map<string, string>> {
    const store = this.#replica(i).store;
    const state = new Map<string, string>();
    for await (const [, e] of store.log.iterator()) {
      state.set(
        e.key,
        JSON.stringify([e.clock, e.writer, e.op, e.op === 'put' ? await store.data.get(e.key) : null]),
      );
    }
    return state;
  }

  async check(): Promise<void> {
    for (let i = 0; i < this.ids.length; i++) await this.#audit(i, 'at the end');
    const states = await Promise.all(this.ids.map((_, i) => this.#state(i)));
    const values = await Promise.all(this.replicas.map((r) => r.store.data.iterator().all()));
    for (let i = 1; i < this.ids.length; i++) {
      if (JSON.stringify(values[i]) !== JSON.stringify(values[0]))
        this.fail(`${this.ids[i]} holds other values than r0`);
      // With compaction, a replica may still hold a tombstone another already dropped; without, all is equal.
      if (
        !this.options.compact &&
        JSON.stringify([...(states[i] as Map<string, string>)].sort()) !==
          JSON.stringify([...(states[0] as Map<string, string>)].sort())
      )
        this.fail(`${this.ids[i]} holds other versions than r0 (tombstones included)`);
    }
    // The oracle: each key ends at the largest version written to it (clock, then the larger writer id,
    // as the default resolver says); every other write to it was replaced by a larger one.
    const winners = new Map<string, IssuedWrite>();
    for (const w of this.issued) {
      const best = winners.get(w.key);
      if (best === undefined || w.clock > best.clock || (w.clock === best.clock && w.writer > best.writer))
        winners.set(w.key, w);
    }
    const held = new Map(values[0] as [string, unknown][]);
    for (const [key, w] of winners) {
      if (w.op === 'put' && held.get(key) !== w.value)
        this.fail(`${key}: lost write ${JSON.stringify(w)}; holds ${JSON.stringify(held.get(key))}`);
      if (w.op === 'del' && held.has(key))
        this.fail(
          `${key}: the delete ${JSON.stringify(w)} was undone (holds ${JSON.stringify(held.get(key))})`,
        );
      const version = states[0]?.get(key);
      if (!this.options.compact && version !== JSON.stringify([w.clock, w.writer, w.op, w.value ?? null]))
        this.fail(`${key}: holds version ${version}, the largest written is ${JSON.stringify(w)}`);
    }
    for (const key of held.keys()) if (!winners.has(key)) this.fail(`${key} holds a value nobody wrote`);
  }
}
