/**
 * Client sessions for exactly-once proposals (thesis section 6.3). Every proposal carries its
 * client id and a sequence number; retries reuse them. This table is part of the replicated state:
 * each node builds it from the log in the same order, it goes into snapshots, and so every node
 * makes the same apply-or-skip decision for every entry.
 */

import { SEQUENCE_WINDOW } from '../protocol/forwarded.js';

/** What the table remembers of one applied command, so a retry can be answered with it. */
export interface AppliedRecord {
  index: number;
  term: number;
  result: unknown;
  /** Set when the state machine threw on the command (what it threw, as a string). */
  error?: string;
}

interface Session {
  /** Every sequence number up to this one was applied (or can no longer be). */
  floor: number;
  /** Applied sequence numbers above `floor`. */
  above: Set<number>;
  /**
   * Results of the most recent applications: a ring indexed by sequence number modulo its size,
   * with the sequence number each slot holds (a Map's set and delete per entry cost more).
   */
  resultSeqs: number[];
  results: AppliedRecord[];
  /** Log index of this client's latest entry: sessions expire by log position, not wall time. */
  lastIndex: number;
}

export interface SessionLimits {
  /** Sequence numbers more than this far below a client's highest are treated as already applied. */
  window: number;
  /** Results kept per client for answering retries. */
  results: number;
  /** A client with no entry in this many log entries is forgotten. */
  expiryEntries: number;
}

const DEFAULT_SESSION_LIMITS: SessionLimits = {
  window: SEQUENCE_WINDOW,
  results: 256,
  expiryEntries: 1_000_000,
};

export type SessionSnapshot = [
  client: string,
  floor: number,
  above: number[],
  results: [number, AppliedRecord][],
  lastIndex: number,
][];

/** Sessions are checked for expiry at every index that is a multiple of this. */
const EXPIRY_STRIDE = 1024;

export class SessionTable {
  private sessions = new Map<string, Session>();

  constructor(private readonly limits: SessionLimits = DEFAULT_SESSION_LIMITS) {}

  /**
   * Whether (client, seq) was applied before. Returns the earlier application's record when it is
   * still kept, `true` when applied but forgotten, or `false` for a first application.
   */
  lookup(client: string, seq: number): AppliedRecord | boolean {
    const s = this.sessions.get(client);
    if (!s) return false;
    // `above` is empty unless proposals applied out of order: skip the Set lookup then.
    if (seq <= s.floor || (s.above.size > 0 && s.above.has(seq))) {
      const slot = seq % this.limits.results;
      return s.resultSeqs[slot] === seq ? s.results[slot]! : true;
    }
    return false;
  }

  /** Records the first application of (client, seq) at `index`. */
  record(client: string, seq: number, record: AppliedRecord): void {
    let s = this.sessions.get(client);
    if (!s) {
      s = newSession();
      this.sessions.set(client, s);
    }
    s.lastIndex = record.index;
    const slot = seq % this.limits.results;
    s.resultSeqs[slot] = seq;
    s.results[slot] = record;
    // The common case: the next sequence number, nothing out of order pending.
    if (seq === s.floor + 1 && s.above.size === 0) {
      s.floor = seq;
      return;
    }
    s.above.add(seq);
    // Advance the floor over the contiguous run, and past anything too far behind the window.
    const before = s.floor;
    const minFloor = seq - this.limits.window;
    if (s.floor < minFloor) s.floor = minFloor;
    while (s.above.has(s.floor + 1)) s.floor++;
    if (s.floor !== before) dropUpTo(s.above, before, s.floor);
  }

  /**
   * Forgets clients idle for `expiryEntries` entries. Called for every applied entry; it only looks
   * at fixed log positions (every 1024th index), so every node forgets a client at the same entry
   * however its apply batches fell, and a retry is applied or skipped alike everywhere.
   */
  expire(appliedIndex: number): void {
    if (appliedIndex % EXPIRY_STRIDE !== 0) return;
    for (const [client, s] of this.sessions) {
      if (appliedIndex - s.lastIndex > this.limits.expiryEntries) this.sessions.delete(client);
    }
  }

  get size(): number {
    return this.sessions.size;
  }

  toSnapshot(): SessionSnapshot {
    return [...this.sessions].map(([client, s]) => {
      const results: [number, AppliedRecord][] = [];
      for (let slot = 0; slot < s.resultSeqs.length; slot++) {
        const seq = s.resultSeqs[slot];
        if (seq !== undefined) results.push([seq, s.results[slot]!]);
      }
      return [client, s.floor, [...s.above], results, s.lastIndex];
    });
  }

  restore(snapshot: SessionSnapshot | undefined): void {
    this.sessions = new Map();
    for (const [client, floor, above, results, lastIndex] of snapshot ?? []) {
      const s = newSession();
      s.floor = floor;
      s.above = new Set(above);
      s.lastIndex = lastIndex;
      for (const [seq, record] of results) {
        const slot = seq % this.limits.results;
        s.resultSeqs[slot] = seq;
        s.results[slot] = record;
      }
      this.sessions.set(client, s);
    }
  }
}

/** Removes the numbers in (from, to] from `set`, by whichever is shorter: the range or the set. */
function dropUpTo(set: Set<number>, from: number, to: number): void {
  if (to - from <= set.size) {
    for (let q = from + 1; q <= to; q++) set.delete(q);
  } else {
    for (const q of set) if (q <= to) set.delete(q);
  }
}

function newSession(): Session {
  return { floor: 0, above: new Set(), resultSeqs: [], results: [], lastIndex: 0 };
}
