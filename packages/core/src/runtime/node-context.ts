import type { Emitter } from 'nanoevents';
import { ConfigurationError } from '../errors.js';
import type { RaftCore } from '../protocol/raft.js';
import type { Message, NodeId } from '../protocol/types.js';
import { describe } from '../protocol/validate-json.js';
import type { RaftStorage } from '../storage/types.js';
import type { Clock, RandomSource } from './clock.js';
import type { RaftEvents } from './events.js';
import { formatMs } from './format-ms.js';
import type { RaftTuning, StateMachine } from './options.js';

export interface RaftNodeOptions {
  id: NodeId;
  /** Initial voters, the same list on every initial member; [] for a node that waits to be added. */
  peers: NodeId[];
  /**
   * The cluster id the options give (`clusterId`, or derived from `peers` and `clusterToken`:
   * protocol/cluster-id.ts); null for a joiner, which adopts its first leader's.
   */
  cluster: string | null;
  storage: RaftStorage;
  stateMachine?: StateMachine;
  /** Hands a message to the transport. Must not throw. */
  send(to: NodeId, message: Message): void;
  clock: Clock;
  random: RandomSource;
  timing: { electionTimeout: number; heartbeatInterval: number; candidateTimeout?: () => number };
  tuning: RaftTuning;
  /** Identifies this node's proposals in the log (exactly-once bookkeeping). */
  clientId: string;
  /** How long a request forwarded to `to` may go unanswered before it is sent again (its NodeInstance's `messageTimeout`). */
  messageTimeout?(to: NodeId): number;
}

/**
 * What the parts of a `RaftNode` (proposals, reads, applier, membership changes, status events, the
 * write pipeline) share. The node owns it and changes `core` and `running`; the parts only read them,
 * and call `wake` after giving the protocol an input, so that what it produced gets processed.
 */
export interface NodeContext {
  readonly id: NodeId;
  readonly opts: RaftNodeOptions;
  readonly events: Emitter<RaftEvents>;
  /** The protocol, from `start()` on (null before). */
  core: RaftCore | null;
  /** Between `start()` and the stop or crash. */
  running: boolean;
  /**
   * After every input: report role changes, process what the protocol produced, re-arm the timer.
   * `batched`: the input was already a batch (all proposals of a turn of promise work), so processing
   * starts at once instead of waiting one more microtask for further inputs to join it.
   */
  wake(batched?: boolean): void;
}

/**
 * When a request sent to `to` is sent again if unanswered: after that peer's `messageTimeout`. Our
 * own log needs no retry (only a change of leader, handled separately); nor does no leader at all.
 */
export function retryAt(ctx: NodeContext, to: NodeId | null): number {
  if (to === null || to === ctx.id) return Number.POSITIVE_INFINITY;
  return ctx.opts.clock.now() + (ctx.opts.messageTimeout?.(to) ?? ctx.opts.timing.electionTimeout);
}

/** A request's own `timeoutMs`, or the default. */
export function timeoutOf(requested: number | undefined, fallback: number): number {
  if (requested === undefined) return fallback;
  if (typeof requested !== 'number' || !Number.isFinite(requested) || requested <= 0)
    throw new ConfigurationError(
      `timeoutMs must be a positive number of ms, not ${typeof requested === 'number' ? formatMs(requested) : describe(requested)}`,
    );
  return requested;
}
