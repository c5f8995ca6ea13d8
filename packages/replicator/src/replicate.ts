import type { Transport } from '@webraft/core';
import { Emitter } from './emitter.js';
import { ReplicatorError } from './errors.js';
import { MAX_ID_CHARS, MAX_KEY_CHARS } from './limits.js';
import { ExchangeLink } from './link.js';
import type { PullRequest } from './messages.js';
import { DEFAULT_PAGE_RECORDS, Replica } from './replica.js';
import { type Level, ReplicaStore, type WriteOp } from './store.js';
import { largerWriterWins, type Resolver, type Version } from './version.js';

export interface ReplicateOptions {
  /** This replica's id, which is also its transport address. Unique among the replicas. */
  readonly id: string;
  /** How to reach peers (any webraft `Transport`). */
  readonly transport: Transport;
  /** Peers to replicate with, by id (the seed's `peers`). */
  readonly peers?: readonly string[];
  /** Also replicate with the peers the transport reports (`onPeer`; default true). */
  readonly discovery?: boolean;
  /** On equal clocks: true accepts the remote version `a` (default `largerWriterWins`). Must be deterministic. */
  readonly resolver?: Resolver;
  /** How long the start waits for the first exchange with each peer before accepting writes (default 2000 ms). */
  readonly startTimeoutMs?: number;
  /** How long a pull waits for its answer (default 2000 ms). */
  readonly requestTimeoutMs?: number;
  /** The fastest sync period, while writes are frequent (default 50 ms). */
  readonly minIntervalMs?: number;
  /** The slowest sync period, with no writes (default 5000 ms). */
  readonly maxIntervalMs?: number;
  /** Records per pull answer (default 500). */
  readonly pageRecords?: number;
  /** Drop tombstones every known peer has applied (default true; see the README's rule). */
  readonly compactTombstones?: boolean;
}

/** One finished exchange: what was pulled from `peer`. */
export interface SyncReport {
  readonly peer: string;
  readonly applied: number;
  readonly pages: number;
}

export type ReplicatedEvents = {
  /** We pulled from `peer` for the first time in this run (the seed's `connect`). */
  connect: [peer: string];
  /** `peer` pulled from us for the first time in this run (the seed's `connection`). */
  connection: [peer: string];
  error: [error: Error];
  sync: [report: SyncReport];
  /** The start's replication attempt ended; `gaveUp` when it timed out (writes are accepted either way). */
  ready: [info: { gaveUp: boolean }];
};

/** Iterator options of abstract-level (`gt`, `gte`, `lt`, `lte`, `reverse`, `limit`). */
export type RangeOptions = Parameters<ReplicaStore['data']['iterator']>[0];

/**
 * An abstract-level database replicated among masters (returned by `replicate`): the same `put`, `del`,
 * `get`, `batch` and iterators, over the replicated data; events `connect`, `connection`, `error`, `sync`.
 */
export class ReplicatedDb extends Emitter<ReplicatedEvents> {
  readonly id: string;
  readonly store: ReplicaStore;
  readonly replica: Replica;
  /** Settles when the start's replication attempt ended (see `ready` event); writes wait for it. */
  readonly ready: Promise<void>;
  readonly #link: ExchangeLink;
  readonly #options: ReplicateOptions;
  readonly #active = new Set<string>();
  readonly #connected = new Set<string>();
  readonly #connections = new Set<string>();
  readonly #syncing = new Map<string, Promise<void>>();
  readonly #again = new Set<string>();
  readonly #unsubscribe: (() => void)[] = [];
  readonly #failures = new Map<string, number>();
  readonly #retries = new Map<string, ReturnType<typeof setTimeout>>();
  #recentWrites: number[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #hintTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(db: Level, options: ReplicateOptions) {
    super();
    checkOptions(options);
    this.id = options.id;
    this.#options = options;
    this.store = new ReplicaStore(db);
    this.replica = new Replica(
      options.id,
      this.store,
      options.resolver ?? largerWriterWins,
      options.pageRecords ?? DEFAULT_PAGE_RECORDS,
    );
    this.#link = new ExchangeLink(options.id, options.transport, {
      request: (from, request) => void this.#serve(from, request),
      hint: (from) => this.#addPeer(from) && void this.sync(from),
      error: (error) => this.emit('error', error),
    });
    for (const peer of options.peers ?? []) this.#active.add(peer);
    this.ready = this.#start();
    this.ready.catch(() => undefined);
  }

  async #start(): Promise<void> {
    await this.store.open();
    await this.#link.open();
    const transport = this.#options.transport;
    if (this.#options.discovery !== false) {
      if (transport.onPeer)
        this.#unsubscribe.push(transport.onPeer((peer) => this.#addPeer(peer) && void this.sync(peer)));
      if (transport.onPeerGone)
        this.#unsubscribe.push(transport.onPeerGone((peer) => this.#active.delete(peer)));
    }
    // "Before a local database can accept writes, it must attempt to replicate" (the seed).
    const first = Promise.all([...this.#active].map((peer) => this.sync(peer)));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const gaveUp = await Promise.race([
      first.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), this.#options.startTimeoutMs ?? 2000);
      }),
    ]);
    clearTimeout(timer);
    if (gaveUp)
      this.emit(
        'error',
        new ReplicatorError('START_SYNC_TIMEOUT', 'gave up the start replication; accepting writes'),
      );
    this.emit('ready', { gaveUp });
    this.#schedule();
  }

  #addPeer(peer: string): boolean {
    if (peer === this.id || this.#closed) return false;
    this.#active.add(peer);
    return true;
  }

  /** The peers replicated with now (configured, discovered, or that pulled from us). */
  get peers(): string[] {
    return [...this.#active];
  }

  async #serve(from: string, request: PullRequest): Promise<void> {
    try {
      const answer = await this.replica.serve(request);
      if (!this.#connections.has(from)) {
        this.#connections.add(from);
        this.emit('connection', from);
      }
      this.#link.send(from, answer);
      // A peer that pulls from us is one we pull from in turn.
      this.#addPeer(from);
    } catch (error) {
      if (!this.#closed) this.emit('error', error as Error);
    }
  }

  /** Pulls from `peer` until its log is exhausted (one exchange); joins one already running. */
  sync(peer: string): Promise<void> {
    const running = this.#syncing.get(peer);
    if (running !== undefined) {
      this.#again.add(peer);
      return running;
    }
    const run = this.#pull(peer).finally(() => {
      this.#syncing.delete(peer);
      if (this.#again.delete(peer) && !this.#closed) void this.sync(peer);
    });
    this.#syncing.set(peer, run);
    return run;
  }

  async #pull(peer: string): Promise<void> {
    let applied = 0;
    let pages = 0;
    try {
      for (let more = true; more && !this.#closed; pages++) {
        const request = await this.replica.request(peer);
        const answer = await this.#link.request(peer, request, this.#options.requestTimeoutMs ?? 2000);
        const result = await this.replica.apply(request, peer, answer);
        applied += result.applied;
        more = result.more;
      }
    } catch (error) {
      if (this.#closed) return;
      this.emit('error', error as Error);
      this.#retryLater(peer);
      return;
    }
    if (this.#closed) return;
    this.#failures.delete(peer);
    if (!this.#connected.has(peer)) {
      this.#connected.add(peer);
      this.emit('connect', peer);
    }
    if (applied > 0) this.#hint();
    this.emit('sync', { peer, applied, pages });
  }

  /**
   * A failed pull (a lost answer, a peer busy past the timeout, a refused page) is tried again after
   * minIntervalMs, doubled at each failure in a row up to maxIntervalMs, rather than at the next round.
   */
  #retryLater(peer: string): void {
    const failures = (this.#failures.get(peer) ?? 0) + 1;
    this.#failures.set(peer, failures);
    if (this.#retries.has(peer)) return;
    const min = this.#options.minIntervalMs ?? 50;
    const delay = Math.min(this.#options.maxIntervalMs ?? 5000, min * 2 ** Math.min(failures - 1, 20));
    const timer = setTimeout(() => {
      this.#retries.delete(peer);
      if (this.#active.has(peer) && !this.#closed) void this.sync(peer);
    }, delay);
    this.#retries.set(peer, timer);
  }

  /** The sync period follows write velocity (the seed): the more writes lately, the sooner. */
  #interval(): number {
    const min = this.#options.minIntervalMs ?? 50;
    const max = this.#options.maxIntervalMs ?? 5000;
    const since = Date.now() - max;
    this.#recentWrites = this.#recentWrites.filter((t) => t > since);
    return Math.max(min, max / (1 + this.#recentWrites.length));
  }

  #schedule(): void {
    if (this.#closed) return;
    this.#timer = setTimeout(() => void this.#round(), this.#interval());
  }

  async #round(): Promise<void> {
    await Promise.all([...this.#active].map((peer) => this.sync(peer)));
    if (this.#options.compactTombstones !== false && !this.#closed) {
      const known = new Set([
        ...this.#active,
        ...(this.#options.peers ?? []),
        ...(await this.store.knownPeers()),
      ]);
      try {
        await this.store.compact([...known]);
      } catch (error) {
        if (!this.#closed) this.emit('error', error as Error);
      }
    }
    this.#schedule();
  }

  /** Tells peers we have news (at most once per `minIntervalMs`), so they pull before their next round. */
  #hint(): void {
    if (this.#hintTimer !== undefined || this.#closed) return;
    for (const peer of this.#active) this.#link.send(peer, { type: 'replicator.changed', from: this.id });
    this.#hintTimer = setTimeout(() => {
      this.#hintTimer = undefined;
    }, this.#options.minIntervalMs ?? 50);
  }

  async batch(ops: readonly WriteOp[]): Promise<void> {
    if (!Array.isArray(ops))
      throw new ReplicatorError('INVALID_ARGUMENT', 'batch takes an array of operations');
    for (const op of ops) checkWrite(op);
    if (this.#closed) throw new ReplicatorError('CLOSED', 'the replicated database is closed');
    await this.ready;
    await this.store.writeLocal(ops, this.id, Date.now());
    const now = Date.now();
    for (let i = 0; i < Math.min(ops.length, 1000); i++) this.#recentWrites.push(now);
    this.#hint();
  }

  put(key: string, value: unknown): Promise<void> {
    return this.batch([{ type: 'put', key, value }]);
  }

  del(key: string): Promise<void> {
    return this.batch([{ type: 'del', key }]);
  }

  get(key: string): Promise<unknown> {
    return this.store.data.get(key);
  }

  getMany(keys: string[]): Promise<unknown[]> {
    return this.store.data.getMany(keys);
  }

  /** The version (clock, writer, timestamp) of `key` held here, a tombstone's included. */
  async version(key: string): Promise<(Version & { deleted: boolean }) | undefined> {
    const found = (await this.store.entry(key))?.entry;
    if (found === undefined) return undefined;
    return {
      clock: found.clock,
      writer: found.writer,
      timestamp: found.timestamp,
      deleted: found.op === 'del',
    };
  }

  iterator(options: RangeOptions = {}) {
    return this.store.data.iterator(options);
  }

  keys(options: RangeOptions = {}) {
    return this.store.data.keys(options);
  }

  values(options: RangeOptions = {}) {
    return this.store.data.values(options);
  }

  /** Stops replicating, closes the transport and the database. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    clearTimeout(this.#hintTimer);
    for (const timer of this.#retries.values()) clearTimeout(timer);
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    await this.ready.catch(() => undefined);
    await this.#link.close();
    await Promise.allSettled([...this.#syncing.values()]);
    await this.store.exclusive(async () => undefined);
    await this.store.db.close();
  }
}

function checkOptions(options: ReplicateOptions): void {
  if (typeof options !== 'object' || options === null)
    throw new ReplicatorError('INVALID_ARGUMENT', 'options are required');
  if (typeof options.id !== 'string' || options.id.length === 0 || options.id.length > MAX_ID_CHARS)
    throw new ReplicatorError(
      'INVALID_ARGUMENT',
      '`id` must be a non-empty string of at most 256 characters',
    );
  if (typeof options.transport?.open !== 'function')
    throw new ReplicatorError('INVALID_ARGUMENT', '`transport` must be a webraft Transport');
  if (options.resolver !== undefined && typeof options.resolver !== 'function')
    throw new ReplicatorError('INVALID_ARGUMENT', '`resolver` must be a function');
  if (
    options.peers !== undefined &&
    (!Array.isArray(options.peers) || options.peers.some((p) => typeof p !== 'string' || p.length === 0))
  )
    throw new ReplicatorError('INVALID_ARGUMENT', '`peers` must be an array of ids');
}

function checkWrite(op: WriteOp): void {
  if (typeof op !== 'object' || op === null || (op.type !== 'put' && op.type !== 'del'))
    throw new ReplicatorError(
      'INVALID_ARGUMENT',
      'an operation is { type: "put", key, value } or { type: "del", key }',
    );
  if (typeof op.key !== 'string' || op.key.length > MAX_KEY_CHARS)
    throw new ReplicatorError(
      'INVALID_ARGUMENT',
      `a key must be a string of at most ${MAX_KEY_CHARS} characters`,
    );
  if (op.type === 'put' && (op.value === undefined || op.value === null))
    throw new ReplicatorError('INVALID_ARGUMENT', 'a put needs a value (null and undefined are not values)');
}

/**
 * Wraps `db` (any abstract-level database: classic-level, browser-level, memory-level) so that it
 * replicates with its peers over `options.transport` (the seed's `replicate(db, options)`).
 */
export function replicate(db: Level, options: ReplicateOptions): ReplicatedDb {
  return new ReplicatedDb(db, options);
}
