/**
 * The registry on the core's deterministic simulator (`@webraft/core/testing`): every member applies
 * the log to a `ShardRegistry`, and coordinators and replicators run on members through views that
 * follow the member across crashes and restarts. A failure names its seed and the replay command.
 */
import { createHash } from 'node:crypto';
import { type Clock, type RandomSource, seededRandom } from '@webraft/core';
import { RecordingStateMachine, Simulation, UNRELIABLE } from '@webraft/core/testing';
import {
  type BlobStore,
  type Digest,
  MemoryBlobStore,
  RegistryClient,
  type RegistryListener,
  type RegistryNode,
  type RegistryResult,
  type RegistryState,
  type RegistryView,
  ShardCoordinator,
  ShardRegistry,
  ShardReplicator,
} from '../../src/index.js';

export const replayFor = (file: string) =>
  `SEED={seed} pnpm exec vitest run packages/shards/test/sim/${file}`;

/** The seeds to sweep: only `SEED` when it is set. */
export function seedsOr(defaults: number[]): number[] {
  const s = process.env.SEED;
  return s === undefined || s === '' ? defaults : [Number(s)];
}

/**
 * A member's state machine: the simulator's recording one (it checks that no entry is applied twice
 * or out of order) around the registry. It also watches one rule from outside the registry: once a
 * task completed, no claim of it is ever granted again.
 */
class RegistrySimMachine extends RecordingStateMachine {
  readonly registry = new ShardRegistry();
  readonly #completed = new Set<string>();

  constructor(
    onApply: (id: string, index: number, term: number) => void,
    private readonly violations: string[],
  ) {
    super(onApply);
  }

  override apply(command: unknown, meta: { index: number; term: number }): unknown {
    super.apply(command, meta);
    const result = this.registry.apply(command);
    const c = command as { op?: string; task?: string };
    if (result.ok && c.op === 'complete') this.#completed.add(c.task!);
    if (result.ok && c.op === 'claim' && this.#completed.has(c.task!))
      this.violations.push(`task ${c.task} was claimed again after it completed (index ${meta.index})`);
    return result;
  }

  override snapshot(): unknown {
    return {
      recorded: super.snapshot(),
      registry: this.registry.snapshot(),
      completed: [...this.#completed],
    };
  }

  override restore(snapshot: unknown): void {
    const s = snapshot as { recorded: unknown; registry: unknown; completed: string[] };
    super.restore(s.recorded);
    this.registry.restore(s.registry);
    this.#completed.clear();
    for (const t of s.completed) this.#completed.add(t);
  }
}

/** A member's registry as coordinators see it: the running incarnation's, with listeners kept across restarts. */
class MemberView implements RegistryView {
  #registry = new ShardRegistry();
  #off: () => void = () => undefined;
  readonly #listeners = new Set<RegistryListener>();

  attach(registry: ShardRegistry): void {
    this.#off();
    this.#registry = registry;
    this.#off = registry.subscribe((state) => this.#notify(state));
    this.#notify(registry.state);
  }

  get state(): RegistryState {
    return this.#registry.state;
  }

  subscribe(listener: RegistryListener): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  #notify(state: RegistryState): void {
    for (const l of [...this.#listeners]) l(state);
  }
}

export interface Member {
  id: string;
  view: MemberView;
  client: RegistryClient;
  coordinator: ShardCoordinator;
}

export interface RegistrySimOptions {
  seed: number;
  replay: string;
  members?: number;
  unreliable?: boolean;
  /** Wraps the shared blob store (a test's fault injection). */
  blobs?: (inner: MemoryBlobStore) => BlobStore;
}

/** Servers 1-6 in shards 1 (1,4), 2 (2,5), 3 (3,6), as in the seed's example. */
export const SEED_SHARDS: [string, string[]][] = [
  ['1', ['1', '4']],
  ['2', ['2', '5']],
  ['3', ['3', '6']],
];
export const serverUrl = (id: string) => `mem://${id}`;

/**
 * SHA-256 computed at once: WebCrypto's digest settles on a worker thread, outside the simulator's
 * virtual time, which would make a run depend on the machine's speed and not only on its seed.
 */
export const syncSha256: Digest = async (bytes) => createHash('sha256').update(bytes).digest('hex');

export class RegistrySim {
  readonly sim: Simulation;
  readonly memory: MemoryBlobStore;
  readonly blobs: BlobStore;
  readonly members = new Map<string, Member>();
  readonly violations: string[] = [];
  readonly random: RandomSource;

  constructor(opts: RegistrySimOptions) {
    const ids = Array.from({ length: opts.members ?? 3 }, (_, i) => `n${i + 1}`);
    this.sim = new Simulation({
      seed: opts.seed,
      nodes: ids,
      storageLatency: [0, 3],
      replay: opts.replay,
      ...(opts.unreliable ? { faults: { ...UNRELIABLE } } : {}),
      tuning: { proposalTimeout: 2_000, snapshotThreshold: 60, snapshotTrailingEntries: 10 },
      stateMachine: (onApply) => new RegistrySimMachine(onApply, this.violations),
    });
    this.random = seededRandom((opts.seed ^ 0x5ba4d) >>> 0);
    const blobRandom = seededRandom((opts.seed ^ 0xb10b) >>> 0);
    // Every storage call takes 1-5 virtual ms, so calls interleave with the log.
    this.memory = new MemoryBlobStore(() => this.sleep(1 + blobRandom() * 4));
    this.blobs = opts.blobs ? opts.blobs(this.memory) : this.memory;
    for (const id of ids) {
      const view = new MemberView();
      const client = new RegistryClient(this.#nodeOf(id), { clientId: id, clock: this.sim.clock });
      this.members.set(id, {
        id,
        view,
        client,
        coordinator: new ShardCoordinator(client, view, this.blobs, { digest: syncSha256 }),
      });
    }
  }

  /** Proposals go to the member's running incarnation; a crashed member refuses them. */
  #nodeOf(id: string): RegistryNode {
    const running = () => {
      if (!this.sim.isAlive(id)) throw new Error(`${id} is down`);
      return this.sim.raft(id);
    };
    return {
      propose: async (command, options) => running().propose(command, options),
      read: async (options) => running().read(options),
    };
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.sim.clock.setTimer(ms, () => resolve()));
  }

  get ids(): string[] {
    return [...this.members.keys()];
  }

  member(id: string): Member {
    return this.members.get(id)!;
  }

  async start(): Promise<void> {
    await this.sim.start();
    for (const id of this.ids) this.#attach(id);
  }

  #attach(id: string): void {
    this.member(id).view.attach((this.sim.stateMachine(id) as RegistrySimMachine).registry);
  }

  crash(id: string): void {
    this.sim.crash(id);
  }

  /** Starts a crashed member again (a no-op for a running one). */
  async restart(id: string): Promise<void> {
    if (this.sim.isAlive(id)) return;
    await this.sim.startNode(id);
    this.#attach(id);
  }

  /** A replicator on member `id` (its timers on the simulator's clock). */
  replicator(id: string, name: string, leaseMs = 400, blobs: BlobStore = this.blobs): ShardReplicator {
    const m = this.member(id);
    // Its timer clock's `now` counts from another origin (as performance.now() does beside the wall
    // clock a client stamps entries with): a replicator that read time from it, not from its client,
    // would never see a lease lapse or a backoff end.
    const clock = this.sim.clock;
    const timers: Clock = {
      now: () => clock.now() - 1e9,
      setTimer: (ms, callback) => clock.setTimer(ms, callback),
      clearTimer: (handle) => clock.clearTimer(handle),
      defer: (callback) => clock.defer(callback),
    };
    return new ShardReplicator(m.client, m.view, blobs, {
      id: name,
      leaseMs,
      idleMs: 50,
      clock: timers,
      digest: syncSha256,
    });
  }

  /** Runs the simulation until `promise` settles; returns its outcome. */
  async settle<T>(promise: Promise<T>, maxMs = 10_000, what = 'a call'): Promise<T> {
    let done = false;
    const tracked = promise.finally(() => {
      done = true;
    });
    tracked.catch(() => undefined);
    await this.sim.runUntil(() => done, maxMs, what);
    return tracked;
  }

  /** Proposes an admin command through whichever member works, until it is applied. */
  async admin(call: (client: RegistryClient) => Promise<unknown>): Promise<void> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const leader = await this.sim.waitForLeader();
      const outcome = await this.settle(
        call(this.member(leader).client).then(
          () => true,
          // A retry of a change whose first try did apply is refused as a duplicate: it is done.
          (error: { code?: string }) => error.code === 'DUPLICATE_SERVER' || error.code === 'DUPLICATE_SHARD',
        ),
      );
      if (outcome) return;
    }
    this.sim.fail('an admin command did not go through in 20 attempts');
  }

  /** Registers the seed's 6 servers and 3 shards of 2 with `capacity` bytes each, all enabled. */
  async setUpSeedShards(capacity: number): Promise<void> {
    for (let i = 1; i <= 6; i++) await this.admin((c) => c.addServer(String(i), serverUrl(String(i))));
    for (const [id, servers] of SEED_SHARDS) {
      await this.admin((c) => c.addShard(id, servers, capacity));
      await this.admin((c) => c.enableShard(id));
    }
  }

  /** The registry of a running member. */
  stateOf(id: string): RegistryState {
    return this.member(id).view.state;
  }

  fail(message: string): never {
    return this.sim.fail(message);
  }
}

export type { RegistryResult };
