/**
 * A tiny synchronous in-memory network of `RaftCore`s for protocol-level tests (in the spirit of
 * etcd-io/raft's `network` in raft_test.go). No timers and no promises: a test drives time with
 * `tick`, forces elections with `campaign`, and `deliverAll` runs every node's Ready loop
 * (persist, then advance) and delivers the messages, round after round, until nothing moves.
 */
import { type RaftConfig, RaftCore, type Ready } from '../../src/protocol/raft.js';
import type {
  AppendMessage,
  AppendResponseMessage,
  Entry,
  HardState,
  HeartbeatMessage,
  Message,
  MessageType,
  NodeId,
  ReadState,
  Snapshot,
  VoteMessage,
} from '../../src/protocol/types.js';
import { seededRandom } from '../../src/runtime/clock.js';

export const ELECTION_TIMEOUT = 100;
export const HEARTBEAT_INTERVAL = 10;

/** Everything `makeCore` accepts: any protocol tunable, plus the durable state to start from. */
export interface CoreOptions extends Partial<Omit<RaftConfig, 'id'>> {
  /** Seed of the node's random source (election jitter); derived from the id when absent. */
  seed?: number;
  /** Durable state at start (a restart): term, vote, commit. */
  hardState?: HardState;
  /** Durable log at start. */
  log?: Entry[];
  snapshot?: Snapshot | null;
  learners?: NodeId[];
  /** The clock at start. */
  now?: number;
}

export function makeConfig(id: NodeId, overrides: CoreOptions = {}): RaftConfig {
  const seed = overrides.seed ?? [...id].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);
  return {
    id,
    electionTimeout: overrides.electionTimeout ?? ELECTION_TIMEOUT,
    heartbeatInterval: overrides.heartbeatInterval ?? HEARTBEAT_INTERVAL,
    ...(overrides.candidateTimeout ? { candidateTimeout: overrides.candidateTimeout } : {}),
    random: overrides.random ?? seededRandom(seed),
    preVote: overrides.preVote ?? false,
    checkQuorum: overrides.checkQuorum ?? false,
    maxEntriesPerAppend: overrides.maxEntriesPerAppend ?? 64,
    maxAppendChars: overrides.maxAppendChars ?? 1024 * 1024,
    maxInflight: overrides.maxInflight ?? 256,
    snapshotChunkChars: overrides.snapshotChunkChars ?? 1024,
    maxUncommittedEntries: overrides.maxUncommittedEntries ?? 1000,
    promoteLearners: overrides.promoteLearners ?? false,
    learnerCatchUpLag: overrides.learnerCatchUpLag ?? 64,
    readPolicy: overrides.readPolicy ?? 'readIndex',
    leaseClockDrift: overrides.leaseClockDrift ?? 0,
  };
}

/** What a node wrote to its "disk": what a restart comes back with. */
export interface Durable {
  hardState: HardState;
  entries: Entry[];
  snapshot: Snapshot | null;
}

interface CoreSetup {
  peers: NodeId[];
  overrides: CoreOptions;
  durable: Durable;
}

const setups = new WeakMap<RaftCore, CoreSetup>();

/**
 * A RaftCore with voters `peers` (the id is added if missing), a seeded random source and an
 * explicit configuration (election timeout 100, heartbeat 10, no pre-vote, no check-quorum unless
 * overridden).
 */
export function makeCore(id: NodeId, peers: NodeId[], overrides: CoreOptions = {}): RaftCore {
  const voters = peers.includes(id) ? [...peers] : [...peers, id];
  const hardState = overrides.hardState ?? { term: 0, vote: null, commit: 0 };
  const entries = (overrides.log ?? []).map((e) => ({ ...e }));
  const snapshot = overrides.snapshot ?? null;
  const core = new RaftCore(makeConfig(id, overrides), {
    hardState: { ...hardState },
    snapshot,
    entries: entries.map((e) => ({ ...e })),
    bootstrap: { voters, learners: overrides.learners ?? [] },
    now: overrides.now ?? 0,
  });
  setups.set(core, { peers: voters, overrides, durable: { hardState: { ...hardState }, entries, snapshot } });
  return core;
}

/** Entries 1..n with the given terms (a log written by hand, like etcd's paper tests). */
export function logOf(...terms: number[]): Entry[] {
  return terms.map((term, i) => ({ index: i + 1, term, kind: 'command' as const, data: `e${i + 1}` }));
}

/** The terms of a core's log, in index order (a compact way to compare logs). */
export function termsOf(core: RaftCore): number[] {
  return core.log.entries.map((e) => e.term);
}

// ---------------------------------------------------------------- crafted messages

export function voteMsg(
  from: NodeId,
  to: NodeId,
  term: number,
  lastIndex: number,
  lastTerm: number,
  extra: Partial<Pick<VoteMessage, 'preVote' | 'transfer'>> = {},
): VoteMessage {
  return {
    type: 'vote',
    from,
    to,
    term,
    preVote: extra.preVote ?? false,
    index: lastIndex,
    logTerm: lastTerm,
    ...extra,
  };
}

export function appendMsg(
  from: NodeId,
  to: NodeId,
  term: number,
  prev: { index: number; term: number },
  entries: Entry[],
  commit = 0,
): AppendMessage {
  return { type: 'append', from, to, term, index: prev.index, logTerm: prev.term, entries, commit };
}

export function appendResponseMsg(
  from: NodeId,
  to: NodeId,
  term: number,
  index: number,
  reject = false,
  hint = { index: 0, term: 0 },
): AppendResponseMessage {
  return {
    type: 'appendResponse',
    from,
    to,
    term,
    index,
    reject,
    hintIndex: hint.index,
    hintTerm: hint.term,
  };
}

export function heartbeatMsg(from: NodeId, to: NodeId, term: number, commit = 0): HeartbeatMessage {
  return { type: 'heartbeat', from, to, term, commit };
}

/** Entries [from..to] of one term, as a leader would send them. */
export function entriesOf(from: number, to: number, term: number): Entry[] {
  const out: Entry[] = [];
  for (let i = from; i <= to; i++) out.push({ index: i, term, kind: 'command', data: `e${i}` });
  return out;
}

/** Narrows a message list by type. */
export function ofType<T extends MessageType>(
  msgs: readonly Message[],
  type: T,
): Extract<Message, { type: T }>[] {
  return msgs.filter((m): m is Extract<Message, { type: T }> => m.type === type);
}

// ---------------------------------------------------------------- the network

/** A message filter: return false to drop the message. */
export type MessageFilter = (m: Message) => boolean;

export class Network {
  readonly cores = new Map<NodeId, RaftCore>();
  /** The virtual clock: `step` and `tick` are called with it. */
  now = 0;
  /** Every message a node emitted, in order, before any filter (for counting and tracing). */
  readonly sent: Message[] = [];
  /** Every message actually stepped into a node, in order. */
  readonly delivered: Message[] = [];
  /** Messages the `capture` predicate held back; hand them to `deliver` to release them. */
  readonly captured: Message[] = [];
  /** Optional hook: return false to drop a message (after drops and isolation). */
  filter: MessageFilter | undefined;
  /** Optional hook: return true to hold a message in `captured` instead of delivering it. */
  capture: MessageFilter | undefined;
  /** Completed read-index requests and applied entries, per node. */
  readonly readStates = new Map<NodeId, ReadState[]>();
  readonly applied = new Map<NodeId, Entry[]>();
  /** The latest Ready each node produced. */
  readonly lastReady = new Map<NodeId, Ready>();

  private readonly dropped = new Set<string>();
  private readonly isolated = new Set<NodeId>();
  private readonly durable = new Map<NodeId, Durable>();
  /** Nodes whose persistence is held back, and the Ready each one is "writing". */
  private readonly holding = new Map<NodeId, Ready | null>();

  constructor(cores: RaftCore[]) {
    for (const c of cores) this.add(c);
  }

  /** A cluster of `ids`, every node with the same options (or per-node options). */
  static of(ids: NodeId[], options: CoreOptions | ((id: NodeId) => CoreOptions) = {}): Network {
    return new Network(
      ids.map((id) => makeCore(id, ids, typeof options === 'function' ? options(id) : options)),
    );
  }

  add(core: RaftCore): void {
    this.cores.set(core.id, core);
    this.readStates.set(core.id, this.readStates.get(core.id) ?? []);
    this.applied.set(core.id, this.applied.get(core.id) ?? []);
    const setup = setups.get(core);
    if (setup) this.durable.set(core.id, setup.durable);
  }

  core(id: NodeId): RaftCore {
    const c = this.cores.get(id);
    if (!c) throw new Error(`no node ${id}`);
    return c;
  }

  /** The nodes that believe they lead. */
  leaders(): RaftCore[] {
    return [...this.cores.values()].filter((c) => c.role === 'leader');
  }

  // ------------------------------------------------ faults

  /** Drops every message from `from` to `to` (one way). */
  drop(from: NodeId, to: NodeId): void {
    this.dropped.add(`${from}>${to}`);
  }

  /** Drops messages both ways between `a` and `b`. */
  cut(a: NodeId, b: NodeId): void {
    this.drop(a, b);
    this.drop(b, a);
  }

  /** Drops every message to or from `id`. */
  isolate(id: NodeId): void {
    this.isolated.add(id);
  }

  /** Heals every cut and isolation (the filter and capture hooks stay as they are). */
  recover(): void {
    this.dropped.clear();
    this.isolated.clear();
  }

  /** Whether a message would get through the cuts, the isolations and the filter. */
  private passes(m: Message): boolean {
    if (this.isolated.has(m.from) || this.isolated.has(m.to)) return false;
    if (this.dropped.has(`${m.from}>${m.to}`)) return false;
    if (this.filter && !this.filter(m)) return false;
    return this.cores.has(m.to);
  }

  // ------------------------------------------------ persistence

  /** From now on `id`'s Ready is taken but not persisted (its early messages still go out). */
  holdPersist(id: NodeId): void {
    if (!this.holding.has(id)) this.holding.set(id, null);
  }

  /** Finishes `id`'s held write: persist, send its messages, advance, then run to quiet. */
  releasePersist(id: NodeId): void {
    const rd = this.holding.get(id);
    this.holding.delete(id);
    if (rd) this.deliver(this.finish(id, rd));
    else this.deliverAll();
  }

  /** The durable state of `id` (what a restart loads). */
  durableOf(id: NodeId): Durable {
    const d = this.durable.get(id);
    if (!d) throw new Error(`no durable state for ${id}`);
    return d;
  }

  /** Crash and restart `id` from its durable state (volatile state is lost). */
  restart(id: NodeId): RaftCore {
    const old = this.core(id);
    const setup = setups.get(old);
    if (!setup) throw new Error(`${id} was not made by makeCore`);
    const d = this.durableOf(id);
    const core = makeCore(id, setup.peers, {
      ...setup.overrides,
      hardState: { ...d.hardState },
      log: d.entries.map((e) => ({ ...e })),
      snapshot: d.snapshot,
      now: this.now,
    });
    this.holding.delete(id);
    // The state machine starts over: the node re-applies its committed log from the beginning.
    this.applied.set(id, []);
    this.cores.set(id, core);
    this.durable.set(id, setups.get(core)!.durable);
    return core;
  }

  private persist(id: NodeId, rd: Ready): void {
    const d = this.durable.get(id);
    if (!d) return;
    if (rd.hardState) d.hardState = { ...rd.hardState };
    if (rd.snapshot) {
      d.snapshot = rd.snapshot;
      d.entries = d.entries.filter((e) => e.index > rd.snapshot!.meta.index);
    }
    if (rd.entries.length > 0) {
      const first = rd.entries[0]!.index;
      d.entries = d.entries.filter((e) => e.index < first).concat(rd.entries.map((e) => ({ ...e })));
    }
  }

  /** Persist, record outputs, advance; returns the messages to send after the write. */
  private finish(id: NodeId, rd: Ready): Message[] {
    const core = this.core(id);
    this.persist(id, rd);
    this.applied.get(id)!.push(...rd.committedEntries);
    this.readStates.get(id)!.push(...rd.readStates);
    core.advance(rd);
    this.sent.push(...rd.messages);
    return rd.messages;
  }

  // ------------------------------------------------ the loop

  /**
   * One Ready cycle of `id` (if it has one): persist, advance, and return its outgoing messages
   * without delivering them. A node whose persistence is held only gives its early messages.
   */
  flush(id: NodeId): Message[] {
    const core = this.core(id);
    if (this.holding.get(id)) return [];
    if (!core.hasReady()) return [];
    const rd = core.ready();
    this.lastReady.set(id, rd);
    this.sent.push(...rd.earlyMessages);
    if (this.holding.has(id)) {
      this.holding.set(id, rd);
      return [...rd.earlyMessages];
    }
    return [...rd.earlyMessages, ...this.finish(id, rd)];
  }

  /** Steps one message straight into its recipient, bypassing every filter. */
  inject(m: Message): void {
    this.core(m.to).step(m, this.now);
    this.delivered.push(m);
  }

  /** Steps `msgs` straight in (bypassing every filter, e.g. captured ones), then runs to quiet. */
  release(msgs: readonly Message[]): void {
    for (const m of msgs) this.inject(m);
    this.deliverAll();
  }

  /** Delivers `msgs` (subject to the filters), then runs to quiet. */
  deliver(msgs: readonly Message[]): void {
    this.route(msgs);
    this.deliverAll();
  }

  private route(msgs: readonly Message[]): void {
    for (const m of msgs) {
      if (!this.passes(m)) continue;
      if (this.capture?.(m)) {
        this.captured.push(m);
        continue;
      }
      this.inject(m);
    }
  }

  /** Runs every node's Ready loop and delivers the messages, round after round, until quiet. */
  deliverAll(maxRounds = 10_000): void {
    for (let round = 0; round < maxRounds; round++) {
      const out: Message[] = [];
      for (const id of this.cores.keys()) out.push(...this.flush(id));
      if (out.length === 0) {
        // The end of a turn, as the runtime does it: commit indexes no append carried go out now.
        let owed = false;
        for (const c of this.cores.values()) {
          if (c.hasDeferred) {
            c.flushDeferred();
            owed = true;
          }
        }
        if (!owed) return;
        continue;
      }
      this.route(out);
    }
    throw new Error(`the network did not settle in ${maxRounds} rounds`);
  }

  /** Takes every captured message matching `pred` (all by default) out of `captured`. */
  takeCaptured(pred: MessageFilter = () => true): Message[] {
    const taken: Message[] = [];
    for (let i = 0; i < this.captured.length; ) {
      if (pred(this.captured[i]!)) taken.push(...this.captured.splice(i, 1));
      else i++;
    }
    return taken;
  }

  // ------------------------------------------------ time and elections

  /** Moves the clock to `now`, ticks every node, and runs to quiet. */
  tickTo(now: number): void {
    this.now = Math.max(this.now, now);
    for (const c of this.cores.values()) c.tick(this.now);
    this.deliverAll();
  }

  /** Advances the clock by `ms` in steps of `step` ms, ticking and delivering at each step. */
  runFor(ms: number, step = HEARTBEAT_INTERVAL): void {
    const end = this.now + ms;
    while (this.now < end) this.tickTo(Math.min(end, this.now + step));
  }

  /** Forces `id` to campaign now, then runs to quiet. */
  campaign(id: NodeId): void {
    this.core(id).campaignNow();
    this.deliverAll();
  }

  /** Messages sent so far that match, e.g. `net.sentWhere((m) => m.type === 'append' && m.to === 'b')`. */
  sentWhere(pred: MessageFilter): Message[] {
    return this.sent.filter(pred);
  }

  deliveredWhere(pred: MessageFilter): Message[] {
    return this.delivered.filter(pred);
  }
}

/** A cluster whose durable log is `log` on every node, at `term`, committed up to `commit`. */
export function clusterWithLog(
  ids: NodeId[],
  log: Entry[],
  term: number,
  commit: number,
  options: CoreOptions = {},
): Network {
  return Network.of(ids, { ...options, log, hardState: { term, vote: null, commit } });
}
