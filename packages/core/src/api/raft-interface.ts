import {
  ConfigurationError,
  InvalidMessageError,
  NodeStoppedError,
  ProposalRefusedError,
  RaftError,
  TransportError,
} from '../errors.js';
import { addressProblem } from '../protocol/address.js';
import { clusterIdFor } from '../protocol/cluster-id.js';
import type { ClusterConfig, Message, NodeId, RaftRole } from '../protocol/types.js';
import { DEFAULT_MESSAGE_LIMITS, validateMessage } from '../protocol/validate.js';
import {
  checkClusterOptions,
  checkComponents,
  checkIdentity,
  checkOptionKeys,
  checkTiming,
  checkTimingOptions,
  checkTuning,
} from '../runtime/check-options.js';
import { type Clock, type RandomSource, seededRandom, systemClock } from '../runtime/clock.js';
import type { RaftEventName, RaftEvents } from '../runtime/events.js';
import {
  DEFAULT_TIMING,
  DEFAULT_TUNING,
  type RaftTiming,
  type RaftTuning,
  type StateMachine,
} from '../runtime/options.js';
import type { AbortSignalLike, ProposeResult } from '../runtime/pending.js';
import { RaftNode } from '../runtime/raft-node.js';
import { MemoryStorage } from '../storage/memory.js';
import type { RaftStorage } from '../storage/types.js';
import type { MessageSink, NodeInstance, Transport } from '../transport/types.js';

export interface RaftOptions extends Partial<RaftTuning>, Partial<RaftTiming> {
  /** Durable storage; defaults to `MemoryStorage` (nothing survives the process). */
  storage?: RaftStorage;
  /** The replicated state machine. Optional: seed-style users listen to `apply` instead. */
  stateMachine?: StateMachine;
  /** Initial voters, this node included, the same list on every initial member. Omit on a node that waits to be added. */
  peers?: NodeId[];
  /**
   * The cluster's identity, carried by every message: a node drops messages of another cluster
   * (`InvalidMessageError` code `OTHER_CLUSTER` on `error`). By default derived from `peers` (and
   * `clusterToken`), so every initial member computes the same id; a node without `peers` adopts the
   * id of the first leader that adds it. Set it to pin the id, on a joiner too (it then accepts no other).
   */
  clusterId?: string;
  /**
   * Mixed into the default cluster id: two clusters bootstrapped with the same `peers` (say, a cluster
   * wiped and started again) get different ids when their tokens differ. The same on every initial member.
   */
  clusterToken?: string;
  /** Makes the NodeInstances; alternatively override `createInstance`. */
  transport?: Transport;
  /** Injected time and randomness (the simulator uses virtual ones). */
  clock?: Clock;
  random?: RandomSource;
  /**
   * Names this node's proposals in the client sessions (exactly-once); defaults to `address`. A random
   * suffix is added at every start: sequence numbers start over with each instance.
   */
  clientId?: string;
}

/** The options besides the tunings and timings: every key a `RaftOptions` may have is known. */
const COMPONENT_KEYS = [
  'storage',
  'stateMachine',
  'peers',
  'transport',
  'clock',
  'random',
  'clientId',
  'clusterId',
  'clusterToken',
] as const satisfies readonly (keyof RaftOptions)[];

const KNOWN_OPTION_KEYS: readonly string[] = [
  ...Object.keys(DEFAULT_TUNING),
  ...Object.keys(DEFAULT_TIMING),
  ...COMPONENT_KEYS,
];

/**
 * The seed's API (packages/core/README.md, API). Extend it and override `createInstance`, or pass
 * `options.transport`. Timings come from the overridable getters, read when the node starts.
 */
export class RaftInterface implements MessageSink {
  readonly address: string;
  protected readonly options: RaftOptions;
  protected readonly random: RandomSource;
  private readonly instances = new Map<NodeId, NodeInstance>();
  private node: RaftNode | null = null;
  private stopped = false;

  private readonly tuning: RaftTuning;
  private readonly timing: RaftTiming;

  /**
   * Throws `ConfigurationError` for bad options: an unknown key, a wrong type or range, a component
   * without the methods the runtime calls, an address that breaks the address rule (the timing
   * getters, which a subclass may override, are checked by `start()`).
   */
  constructor(address: string, options: RaftOptions = {}) {
    checkOptionKeys(options, KNOWN_OPTION_KEYS);
    checkIdentity(address, options.peers, options.clientId);
    checkClusterOptions(options.clusterId, options.clusterToken);
    checkComponents(options);
    const tuning = withDefaults(DEFAULT_TUNING, options);
    checkTuning(tuning);
    this.tuning = fitToTransport(tuning, options.transport?.maxMessageChars);
    this.timing = withDefaults(DEFAULT_TIMING, options);
    checkTimingOptions(this.timing);
    this.address = address;
    this.options = options;
    this.random = options.random ?? seededRandom(Math.floor(Math.random() * 2 ** 32));
  }

  // ------------------------------------------------------------ seed getters (overridable)

  /**
   * How long a candidate waits for an election to finish, in ms: a random draw in
   * [electionTimeoutMin, electionTimeoutMax) (default 150 to 300), made for every election.
   */
  get electionTimeout(): number {
    const { electionTimeoutMin: min, electionTimeoutMax: max } = this.timing;
    return min + this.random() * (max - min);
  }

  /** How often the leader sends heartbeats, in ms (option `heartbeatFrequency`, default 100). */
  get heartbeatFrequency(): number {
    return this.timing.heartbeatFrequency;
  }

  /**
   * How long a follower waits without hearing from a leader before it starts an election, in ms
   * (option `heartbeatTimeout`, default 200). The actual wait is randomized in [t, 2t) so that
   * elections do not split (paper 5.2).
   */
  get heartbeatTimeout(): number {
    return this.timing.heartbeatTimeout;
  }

  // ------------------------------------------------------------ transport

  /** Makes the NodeInstance for a peer. Override it, or pass `options.transport`. */
  createInstance(address: string): NodeInstance {
    if (this.options.transport) return this.options.transport.createInstance(address);
    throw new ConfigurationError('override createInstance() or pass options.transport');
  }

  /** Hand over a message received from `from`. It is validated before the protocol sees it. */
  gotData(from: string, payload: unknown): void {
    const node = this.node;
    if (!node?.isRunning) return;
    let message: Message;
    try {
      message = validateMessage(payload, { from, to: this.address, cluster: node.cluster });
    } catch (error) {
      node.events.emit(
        'error',
        error instanceof InvalidMessageError ? error : new InvalidMessageError(String(error), from),
      );
      return;
    }
    node.receive(message);
  }

  /** A transport's own failure (a frame it dropped, a connection that failed): reported on `error`. */
  reportError(error: TransportError): void {
    const node = this.node;
    if (!node?.isRunning) return;
    node.events.emit(
      'error',
      error instanceof TransportError ? error : new TransportError(String(error), error, 'CONNECTION'),
    );
  }

  private instanceFor(to: NodeId): NodeInstance {
    let instance = this.instances.get(to);
    if (!instance) {
      instance = this.createInstance(to);
      this.instances.set(to, instance);
    }
    return instance;
  }

  private send(to: NodeId, message: Message): void {
    try {
      this.instanceFor(to).write(message);
    } catch (error) {
      // A peer that cannot be reached is a lost message; Raft retries. Report it and go on.
      this.node?.events.emit('error', new TransportError(`sending to ${to} failed: ${String(error)}`, error));
    }
  }

  // ------------------------------------------------------------ lifecycle

  /** Loads storage and starts taking part. A second call rejects. */
  start(): Promise<void> {
    if (this.stopped)
      return Promise.reject(
        new NodeStoppedError(
          'this RaftInterface was stopped and cannot start again: make a new instance (with the same storage, that is a restart)',
        ),
      );
    if (this.starting) return Promise.reject(new ConfigurationError('start() was already called'));
    this.starting = this.startOnce();
    return this.starting;
  }

  /** The one start, while and after it runs (stop() waits for a start still loading storage). */
  private starting: Promise<void> | null = null;

  private async startOnce(): Promise<void> {
    if (this.stopped) throw new NodeStoppedError();
    const opts = this.options;
    const timing = {
      heartbeatFrequency: this.heartbeatFrequency,
      heartbeatTimeout: this.heartbeatTimeout,
      electionTimeout: this.electionTimeout,
    };
    checkTiming(timing);
    const node = new RaftNode({
      id: this.address,
      peers: opts.peers ?? [],
      cluster: opts.clusterId ?? (opts.peers?.length ? clusterIdFor(opts.peers, opts.clusterToken) : null),
      storage: opts.storage ?? new MemoryStorage(),
      stateMachine: opts.stateMachine,
      send: (to, message) => this.send(to, message),
      clock: opts.clock ?? systemClock,
      random: this.random,
      timing: {
        electionTimeout: timing.heartbeatTimeout,
        heartbeatInterval: timing.heartbeatFrequency,
        candidateTimeout: () => this.electionTimeout,
      },
      tuning: this.tuning,
      // A fresh suffix per start: sequence numbers start over with every instance, and must not be
      // taken for retries of the previous instance's proposals.
      clientId: `${opts.clientId ?? this.address}~${Math.floor(this.random() * 2 ** 48).toString(36)}`,
      messageTimeout: (to: string) => {
        try {
          return this.instanceFor(to).messageTimeout;
        } catch {
          return this.heartbeatTimeout;
        }
      },
    } as ConstructorParameters<typeof RaftNode>[0]);
    // Listeners registered before start() were kept; hand them over.
    for (const [type, handlers] of this.earlyListeners)
      for (const h of handlers) node.events.on(type, h as never);
    this.earlyListeners.clear();
    // A removed peer's connection is released (`NodeInstance.close`: when the peer leaves the cluster).
    node.events.on('leave', (id) => {
      this.instances.get(id)?.close();
      this.instances.delete(id);
    });
    this.node = node;
    await this.options.transport?.open(this);
    // A peer the transport saw go (closed, said goodbye): a leadership transfer to it is over.
    this.unsubscribePeerGone = this.options.transport?.onPeerGone?.((id) => node.peerGone(id)) ?? null;
    await node.start();
  }

  /**
   * Stops taking part (a leader hands leadership over first). Never rejects: what fails on the way
   * (closing storage, a connection, the transport) is reported on the `error` event.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    // A start still loading storage finishes first, so that it cannot start the node after this.
    // (Not awaited otherwise: a leader's stop() begins its leadership transfer at once.)
    if (this.node && !this.node.isRunning) await this.starting?.catch(() => undefined);
    // RaftNode.stop() never rejects (a failing storage close() is reported there).
    await this.node?.stop();
    for (const instance of this.instances.values()) {
      try {
        instance.close();
      } catch (error) {
        this.reportStopFailure(error);
      }
    }
    this.instances.clear();
    this.unsubscribePeerGone?.();
    try {
      await this.options.transport?.close();
    } catch (error) {
      this.reportStopFailure(error);
    }
  }

  private unsubscribePeerGone: (() => void) | null = null;

  /** Closing a connection or the transport failed while stopping: said on `error` (stop() never rejects). */
  private reportStopFailure(error: unknown): void {
    const typed =
      error instanceof RaftError
        ? error
        : new TransportError(`closing the transport failed: ${String(error)}`, error, 'CONNECTION');
    this.node?.events.emit('error', typed);
  }

  // ------------------------------------------------------------ operations

  /** Resolves once the command is committed and applied on this node, with what `apply` returned. */
  propose(command: unknown, opts?: { timeoutMs?: number; signal?: AbortSignalLike }): Promise<ProposeResult> {
    return this.whenRunning((node) => node.propose(command, opts));
  }

  /**
   * Adds `address` to the cluster through the log (thesis 4.1): first as a learner, which the leader
   * promotes to voter once it has caught up (thesis 4.2.1). Resolves when the change is committed and
   * applied here; call it on any member (followers forward to the leader).
   */
  join(address: string, opts?: { timeoutMs?: number }): Promise<void> {
    const invalid = invalidAddress(address);
    if (invalid) return Promise.reject(invalid);
    return this.whenRunning((node) =>
      node.changeMembership((c) => {
        if (c.voters.includes(address) || c.learners.includes(address)) return null;
        return { voters: [...c.voters], learners: [...c.learners, address] };
      }, opts?.timeoutMs),
    );
  }

  /**
   * Removes `address` (voter or learner) through the log. A leader that removes itself steps down
   * once the change commits (thesis 4.2.2).
   */
  leave(address: string, opts?: { timeoutMs?: number }): Promise<void> {
    const invalid = invalidAddress(address);
    if (invalid) return Promise.reject(invalid);
    return this.whenRunning((node) => {
      // Not a member in the latest configuration this node knows (appended changes included): there
      // is nothing to remove. Refused rather than resolved, as the caller likely named the wrong node.
      if (node.isRunning) {
        const { voters, learners } = node.status().config;
        if (!voters.includes(address) && !learners.includes(address))
          return Promise.reject(
            new ProposalRefusedError(`${address} is not a member of the cluster`, 'NOT_MEMBER'),
          );
      }
      return node.changeMembership((c) => {
        if (!c.voters.includes(address) && !c.learners.includes(address)) return null;
        return {
          voters: c.voters.filter((v) => v !== address),
          learners: c.learners.filter((l) => l !== address),
        };
      }, opts?.timeoutMs);
    });
  }

  /**
   * Hands leadership to `to`, or to the most up-to-date voter (thesis 3.10). Proposals are refused
   * meanwhile. Resolves when the target leads; rejects if it does not within an election timeout.
   */
  transferLeadership(to?: string): Promise<void> {
    return this.whenRunning((node) => node.transferLeadership(to));
  }

  /**
   * A liveness hint: the caller knows that `leader`, the leader of `term`, is gone for good (its
   * process ended; `@webraft/tab` learns it from the Web Lock the leader's tab held). If this node
   * follows `leader` in `term`, it forgets it and starts an election at once instead of after its
   * election timeout. Returns whether the hint was acted on; a stale one (another term, another
   * leader, this node leading, not started) is ignored. The vote and commit rules do not change, so a
   * wrong hint costs an election, never safety (see the core README, Leader-gone hints).
   * Throws `ConfigurationError` for an invalid address or term (and changes nothing).
   */
  leaderGone(leader: string, term: number): boolean {
    const invalid = invalidAddress(leader);
    if (invalid) throw new ConfigurationError(invalid.message);
    if (!Number.isSafeInteger(term) || term < 0)
      throw new ConfigurationError(`term must be a non-negative integer, got ${String(term)}`);
    return this.node?.leaderGone(leader, term) ?? false;
  }

  /** Linearizable read barrier (thesis 6.4). */
  read(opts?: { timeoutMs?: number }): Promise<{ index: number }> {
    return this.whenRunning((node) => node.read(opts));
  }

  // ------------------------------------------------------------ events

  private readonly earlyListeners = new Map<RaftEventName, Set<(...args: never[]) => void>>();

  /** Subscribe to an event; returns a function that unsubscribes. */
  listen<K extends RaftEventName>(type: K, handler: RaftEvents[K]): () => void {
    if (this.node) return this.node.events.on(type, handler);
    let set = this.earlyListeners.get(type);
    if (!set) {
      set = new Set();
      this.earlyListeners.set(type, set);
    }
    set.add(handler as (...args: never[]) => void);
    return () => this.unlisten(type, handler);
  }

  /** Removes `handler` from the listeners of `type` (every time it was added there). */
  unlisten<K extends RaftEventName>(type: K, handler: RaftEvents[K]): void {
    this.earlyListeners.get(type)?.delete(handler as (...args: never[]) => void);
    const events = this.node?.events.events;
    const list = events?.[type];
    // A new array, as nanoevents' own unsubscribe does: an emit in progress keeps iterating the old one.
    if (events && list) events[type] = list.filter((h) => h !== handler) as typeof list;
  }

  // ------------------------------------------------------------ state

  /**
   * The role while running; `'failed'` once the node halted on its own (a fatal storage error, a
   * failed `load()`, a snapshot the state machine could not restore: the `error` event said why);
   * `'stopped'` before `start()` and after `stop()`; `'removed'` once this node applied a configuration
   * without itself (the `removed` event: its requests are refused with code `REMOVED`).
   */
  get state(): RaftRole | 'stopped' | 'failed' | 'removed' {
    if (this.node?.isRunning) return this.node.removed ? 'removed' : this.node.status().role;
    return this.node?.failure ? 'failed' : 'stopped';
  }

  /**
   * The cluster's id (see the `clusterId` option): from `start()` on, once known. Null before, and on
   * a joiner until the first leader reached it.
   */
  get clusterId(): string | null {
    return this.node?.cluster ?? null;
  }

  get term(): number {
    return this.node?.isRunning ? this.node.status().term : 0;
  }

  get leader(): NodeId | null {
    return this.node?.isRunning ? this.node.status().leader : null;
  }

  get commitIndex(): number {
    return this.node?.isRunning ? this.node.status().commitIndex : 0;
  }

  get lastApplied(): number {
    return this.node?.appliedIndex ?? 0;
  }

  get members(): ClusterConfig {
    if (!this.node?.isRunning) return { voters: [...(this.options.peers ?? [])], learners: [] };
    const { voters, learners } = this.node.status().config;
    return { voters: [...voters], learners: [...learners] };
  }

  /** The runtime node (for the simulator and tools). */
  get raftNode(): RaftNode {
    if (!this.node) throw new ConfigurationError('the node has not started');
    return this.node;
  }

  /** Runs an operation on the node; one called before `start()` rejects (operations never throw). */
  private whenRunning<T>(operation: (node: RaftNode) => Promise<T>): Promise<T> {
    if (!this.node) return Promise.reject(new ConfigurationError('call start() first'));
    if (this.node.isRunning && this.node.removed)
      return Promise.reject(
        new ProposalRefusedError(
          `${this.address} was removed from the cluster: it can no longer propose, read or change the membership (stop it; a member can join its address again)`,
          'REMOVED',
        ),
      );
    return operation(this.node);
  }
}

/** A refusal for an argument that breaks the address rule (protocol/address.ts), or null. */
function invalidAddress(address: unknown): ProposalRefusedError | null {
  const problem = addressProblem(address, DEFAULT_MESSAGE_LIMITS.maxIdLength);
  if (problem === null) return null;
  const shown = typeof address === 'string' && address.length <= 40 ? JSON.stringify(address) : 'the address';
  return new ProposalRefusedError(`${shown} is not a valid node address: it ${problem}`, 'INVALID_ADDRESS');
}

/** `defaults` with every field `options` sets (to something other than undefined) taken from it. */
function withDefaults<T extends object>(defaults: T, options: object): T {
  const out = { ...defaults } as Record<string, unknown>;
  const given = options as Record<string, unknown>;
  for (const key of Object.keys(defaults)) if (given[key] !== undefined) out[key] = given[key];
  return out as T;
}

/**
 * Sizes appends, snapshot chunks and the largest command to what the transport carries in one message.
 * An append holds at least one entry, so a command must fit a message with room for the envelope.
 *
 * Two costs the protocol's own estimates leave out (test/max-message-chars.test.ts measures both):
 * - a snapshot chunk is a slice of the snapshot's JSON, sent as a JSON string, so every `"` and `\`
 *   in it is escaped again: a chunk of n characters takes up to 2n (plus a lone surrogate escaped at
 *   each end, where a slice cut a pair);
 * - an append is cut by its entries' estimated size (entry-size.ts: data plus a fixed overhead), which
 *   leaves out the client id each entry carries (up to `maxIdLength`) and long numbers: half the room
 *   goes to the estimate, the other half to at most `UNMEASURED_ENTRY_CHARS` per entry.
 */
function fitToTransport(tuning: RaftTuning, maxMessageChars: number | undefined): RaftTuning {
  if (maxMessageChars === undefined) return tuning;
  if (!Number.isSafeInteger(maxMessageChars) || maxMessageChars < 2 * MESSAGE_ENVELOPE_CHARS)
    throw new ConfigurationError(
      `transport.maxMessageChars must be an integer of at least ${2 * MESSAGE_ENVELOPE_CHARS}, not ${String(maxMessageChars)}`,
    );
  const room = maxMessageChars - MESSAGE_ENVELOPE_CHARS;
  const half = Math.floor(room / 2);
  return {
    ...tuning,
    maxAppendChars: Math.min(tuning.maxAppendChars, half),
    maxEntriesPerAppend: Math.min(
      tuning.maxEntriesPerAppend,
      Math.max(1, Math.floor(half / UNMEASURED_ENTRY_CHARS)),
    ),
    maxCommandChars: Math.min(tuning.maxCommandChars, room),
    snapshotChunkChars: Math.min(tuning.snapshotChunkChars, Math.floor((room - 12) / 2)),
  };
}

/** An entry's characters its size estimate does not count: its client id and longer numbers. */
const UNMEASURED_ENTRY_CHARS = DEFAULT_MESSAGE_LIMITS.maxIdLength + 64;

/**
 * Characters a message needs besides its entries' or chunk's data: type, term, indexes, ids, and the
 * per-entry fields of one entry. Generous, as ids may be up to `DEFAULT_MESSAGE_LIMITS.maxIdLength`.
 */
const MESSAGE_ENVELOPE_CHARS = 2048;
