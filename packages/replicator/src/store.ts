import type { AbstractBatchOperation, AbstractLevel, AbstractSublevel } from 'abstract-level';
import { ReplicatorError } from './errors.js';
import { MAX_CLOCK } from './limits.js';
import type { WireRecord } from './messages.js';
import { type Resolver, remoteWins, type Version } from './version.js';

// biome-ignore lint/suspicious/noExplicitAny: any abstract-level database, whatever its storage format and encodings
export type Level = AbstractLevel<any, any, any>;
type Sub<V> = AbstractSublevel<Level, unknown, string, V>;
// biome-ignore lint/suspicious/noExplicitAny: operations on sublevels of any encodings
type BatchOp = AbstractBatchOperation<Level, any, any>;

/** The latest version of a key at this replica, as its log record holds it (the value lives in `data`). */
export interface LogEntry extends Version {
  readonly key: string;
  readonly op: 'put' | 'del';
  /** The peer this version was pulled from (none for a local write). */
  readonly from?: string;
}

/** A write of the public API: a put (with a JSON value) or a delete. */
export type WriteOp = { type: 'put'; key: string; value: unknown } | { type: 'del'; key: string };

/** What this replica keeps about itself: its incarnation and the last sequence number it used. */
interface SelfMeta {
  incarnation: string;
  seq: number;
}

/** The high-water mark kept for a peer: every record of that incarnation's log up to `seq` is applied here. */
export interface PeerMark {
  incarnation: string;
  seq: number;
}

/** The sublevel names, inside the wrapped database. */
export const SUBLEVELS = { data: 'data', log: 'log', index: 'index', meta: 'meta' } as const;

/** Log keys sort as numbers: sequence numbers (at most 2^52 < 10^16) zero-padded to 16 digits. */
export const seqKey = (seq: number): string => seq.toString().padStart(16, '0');

/** One version of a key to commit, with its place in the batch being built. */
interface Change {
  entry: LogEntry;
  value: unknown;
}

/** The versions a store holds for some keys, with their log positions. */
type Held = Map<string, { seq: number; entry: LogEntry }>;

/**
 * The replicator's storage over an abstract-level database, after the seed's algorithm: the user's
 * values (`data`), a log with one record per key keyed by this replica's own sequence number (`log`),
 * and an index from key to its log record (`index`); a write commits all three, and the metadata it
 * moves, in ONE batch of the underlying database, so a crash leaves either all of it or none.
 *
 * Every mutation, and every read that serves a peer, runs in one queue: a page sent to a peer never
 * pairs a record with a value of a later write.
 */
export class ReplicaStore {
  readonly db: Level;
  readonly data: Sub<unknown>;
  readonly log: Sub<LogEntry>;
  readonly index: Sub<number>;
  readonly meta: Sub<unknown>;
  #self: SelfMeta = { incarnation: '', seq: 0 };
  #queue: Promise<unknown> = Promise.resolve();

  constructor(db: Level) {
    this.db = db;
    const json = { keyEncoding: 'utf8', valueEncoding: 'json' } as const;
    this.data = db.sublevel<string, unknown>(SUBLEVELS.data, json) as Sub<unknown>;
    this.log = db.sublevel<string, LogEntry>(SUBLEVELS.log, json) as Sub<LogEntry>;
    this.index = db.sublevel<string, number>(SUBLEVELS.index, json) as Sub<number>;
    this.meta = db.sublevel<string, unknown>(SUBLEVELS.meta, json) as Sub<unknown>;
  }

  get incarnation(): string {
    return this.#self.incarnation;
  }

  /** The last sequence number this replica's log used. */
  get seq(): number {
    return this.#self.seq;
  }

  /** Loads this replica's metadata, creating a new incarnation for an empty store. */
  async open(): Promise<void> {
    await this.db.open();
    const self = (await this.meta.get('self')) as SelfMeta | undefined;
    if (self !== undefined) {
      this.#self = self;
      return;
    }
    this.#self = { incarnation: globalThis.crypto.randomUUID(), seq: 0 };
    await this.meta.put('self', this.#self);
  }

  /** Runs `task` after every queued one (one mutation or serving read at a time). */
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** The latest version of `key` held here (a tombstone included), or undefined. */
  async entry(key: string): Promise<{ seq: number; entry: LogEntry } | undefined> {
    const seq = await this.index.get(key);
    if (seq === undefined) return undefined;
    const entry = await this.log.get(seqKey(seq));
    return entry === undefined ? undefined : { seq, entry };
  }

  /** Commits the changes, each under a new sequence number, with `extra` operations, in one batch. */
  async #commit(changes: Map<string, Change>, held: Held, extra: BatchOp[]): Promise<void> {
    let seq = this.#self.seq;
    const ops: BatchOp[] = [];
    for (const [key, { entry, value }] of changes) {
      const previous = held.get(key)?.seq;
      if (previous !== undefined) ops.push({ type: 'del', sublevel: this.log, key: seqKey(previous) });
      seq += 1;
      ops.push({ type: 'put', sublevel: this.log, key: seqKey(seq), value: entry });
      ops.push({ type: 'put', sublevel: this.index, key, value: seq });
      if (entry.op === 'put') ops.push({ type: 'put', sublevel: this.data, key, value });
      else ops.push({ type: 'del', sublevel: this.data, key });
    }
    const self = { incarnation: this.#self.incarnation, seq };
    ops.push({ type: 'put', sublevel: this.meta, key: 'self', value: self }, ...extra);
    await this.db.batch(ops);
    this.#self = self;
  }

  /** The version `key` has in the batch being built, or in the store. */
  #current(changes: Map<string, Change>, held: Held, key: string): Version | undefined {
    return changes.get(key)?.entry ?? held.get(key)?.entry;
  }

  /** The versions held for `keys`, read with two `getMany` (one native round trip each, not two per key). */
  async #held(keys: readonly string[]): Promise<Held> {
    const unique = [...new Set(keys)];
    const seqs = await this.index.getMany(unique);
    const present = unique.flatMap((key, i) =>
      seqs[i] === undefined ? [] : [{ key, seq: seqs[i] as number }],
    );
    const entries = await this.log.getMany(present.map((p) => seqKey(p.seq)));
    const held: Held = new Map();
    present.forEach((p, i) => {
      const entry = entries[i];
      if (entry !== undefined) held.set(p.key, { seq: p.seq, entry });
    });
    return held;
  }

  /**
   * Local writes: each key's clock is the one held + 1 (0 for a new key); all ops in one batch.
   * Refuses (`CLOCK_EXHAUSTED`, nothing written) a key whose clock reached MAX_CLOCK.
   */
  writeLocal(ops: readonly WriteOp[], writer: string, timestamp: number): Promise<void> {
    return this.exclusive(async () => {
      const changes = new Map<string, Change>();
      const held = await this.#held(ops.map((op) => op.key));
      for (const op of ops) {
        const clock = (this.#current(changes, held, op.key)?.clock ?? -1) + 1;
        if (clock > MAX_CLOCK)
          throw new ReplicatorError(
            'CLOCK_EXHAUSTED',
            `key ${JSON.stringify(op.key)} reached the clock limit`,
          );
        const entry: LogEntry = { key: op.key, clock, writer, timestamp, op: op.type };
        changes.delete(op.key); // re-inserted last: a key keeps the order of its latest write in the batch
        changes.set(op.key, { entry, value: op.type === 'put' ? op.value : undefined });
      }
      await this.#commit(changes, held, []);
    });
  }

  /**
   * Serves a pull by `peer`: the log records after `since`, oldest first, scanning at most `limit`, each
   * with its value. `last` is the highest sequence number covered: the last scanned on a full scan, else
   * our head. Records `peer` wrote, or that we applied from `peer`, are left out: `peer` holds that
   * version or a newer one (a replica's version of a key only grows), so sending it back is wasted.
   */
  readPage(
    peer: string,
    since: number,
    limit: number,
  ): Promise<{ records: WireRecord[]; last: number; more: boolean }> {
    return this.exclusive(async () => {
      const chosen: (LogEntry & { seq: number })[] = [];
      let scanned = 0;
      let lastScanned = since;
      for await (const [k, { from, ...e }] of this.log.iterator({ gt: seqKey(since), limit })) {
        scanned++;
        lastScanned = Number(k);
        if (e.writer !== peer && from !== peer) chosen.push({ seq: lastScanned, ...e });
      }
      const puts = chosen.filter((e) => e.op === 'put');
      const values = await this.data.getMany(puts.map((e) => e.key));
      const valueByKey = new Map(puts.map((e, i) => [e.key, values[i]]));
      const records: WireRecord[] = chosen.map((e) =>
        e.op === 'put' ? { ...e, value: valueByKey.get(e.key) } : e,
      );
      const more = scanned === limit;
      return { records, last: more ? lastScanned : Math.max(since, this.#self.seq), more };
    });
  }

  async mark(peer: string): Promise<PeerMark | undefined> {
    return (await this.meta.get(`mark:${peer}`)) as PeerMark | undefined;
  }

  /**
   * Applies one page pulled from `peer`: each record newer than ours (larger clock, or the resolver on
   * equal clocks) replaces our version under a new sequence number of our own log (so our peers pull it
   * from us in turn); the peer's new mark is saved in the same batch. Returns how many were applied.
   */
  applyPage(
    peer: string,
    mark: PeerMark,
    records: readonly WireRecord[],
    resolver: Resolver,
  ): Promise<number> {
    return this.exclusive(async () => {
      const changes = new Map<string, Change>();
      const held = await this.#held(records.map((r) => r.key));
      for (const r of records) {
        const local = this.#current(changes, held, r.key);
        if (!remoteWins(r, local, resolver)) continue;
        const entry: LogEntry = {
          key: r.key,
          clock: r.clock,
          writer: r.writer,
          timestamp: r.timestamp,
          op: r.op,
          from: peer,
        };
        changes.delete(r.key);
        changes.set(r.key, { entry, value: r.value });
      }
      await this.#commit(changes, held, [
        { type: 'put', sublevel: this.meta, key: `mark:${peer}`, value: mark },
      ]);
      return changes.size;
    });
  }

  /** Every peer this store has exchanged with (it holds a mark or an ack for it), kept across restarts. */
  async knownPeers(): Promise<string[]> {
    const peers = new Set<string>();
    for await (const key of this.meta.keys({ gt: 'ack:', lt: 'mark;' })) {
      if (key.startsWith('ack:')) peers.add(key.slice(4));
      else if (key.startsWith('mark:')) peers.add(key.slice(5));
    }
    return [...peers];
  }

  /** What `peer` has told us it applied of our log (the `since` of its pulls), for tombstone compaction. */
  async ack(peer: string): Promise<number> {
    const ack = (await this.meta.get(`ack:${peer}`)) as PeerMark | undefined;
    return ack?.incarnation === this.#self.incarnation ? ack.seq : 0;
  }

  /** Records that `peer` applied our log up to `seq` (only ever moves forward; the first one even at 0). */
  recordAck(peer: string, seq: number): Promise<void> {
    return this.exclusive(async () => {
      const stored = (await this.meta.get(`ack:${peer}`)) as PeerMark | undefined;
      const current = stored?.incarnation === this.#self.incarnation;
      // The first ack is kept even at 0: from then on the peer counts as known (it holds back compaction).
      if ((current && seq <= (stored as PeerMark).seq) || seq > this.#self.seq) return;
      await this.meta.put(`ack:${peer}`, { incarnation: this.#self.incarnation, seq });
    });
  }

  /**
   * Drops tombstones every known peer has applied: those at or below the smallest ack of `peers`
   * (none while a known peer has never pulled). Their log record and index entry go in one batch.
   * Returns how many were dropped.
   */
  compact(peers: readonly string[]): Promise<number> {
    return this.exclusive(async () => {
      if (peers.length === 0) return 0;
      let upTo = Number.POSITIVE_INFINITY;
      for (const p of peers) upTo = Math.min(upTo, await this.ack(p));
      if (upTo === 0) return 0;
      const ops: BatchOp[] = [];
      for await (const [k, e] of this.log.iterator({ lte: seqKey(upTo) })) {
        if (e.op !== 'del') continue;
        ops.push(
          { type: 'del', sublevel: this.log, key: k },
          { type: 'del', sublevel: this.index, key: e.key },
        );
      }
      if (ops.length > 0) await this.db.batch(ops);
      return ops.length / 2;
    });
  }
}
