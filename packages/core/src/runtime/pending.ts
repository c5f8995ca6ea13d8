import { OutcomeUnknownError, ProposalRefusedError, type RaftError } from '../errors.js';
import type { Clock } from './clock.js';
import { formatMs } from './format-ms.js';

/** What `propose()` resolves with. */
export interface ProposeResult {
  index: number;
  term: number;
  /** What the state machine's `apply` returned for this command. */
  result: unknown;
}

interface Waiter<T, S> {
  resolve(value: T): void;
  reject(error: unknown): void;
  deadline: number;
  timeoutMs: number;
  /** Whether the request left this node (so a failure means the outcome is unknown, not refused). */
  accepted: boolean;
  /** What the owner keeps about the request while it waits (see `track`). */
  state: S | undefined;
  abort?: () => void;
  signal?: AbortSignalLike;
}

/** The subset of AbortSignal used here (so the core needs no DOM types). */
export interface AbortSignalLike {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/**
 * Promises waiting for something keyed (a proposal by its client sequence number, a read by its
 * context), each with a deadline. One timer serves them all (a timer per request cost more than the
 * rest of a commit): it fires at the earliest deadline and sweeps.
 *
 * Each request can carry a state `S` of its owner's (say, where it was sent, for a retry), which goes
 * when the request settles. One table instead of a second one by the same key: every request costs
 * a Map insertion and deletion, and with one request at a time each deletion empties the Map, which
 * V8 then shrinks, allocating a new table.
 */
export class PendingRequests<K, T, S = never> {
  private readonly waiters = new Map<K, Waiter<T, S>>();
  private timer: unknown = undefined;
  private timerAt = Number.POSITIVE_INFINITY;

  /**
   * On timeout a waiter rejects with `timeoutError(key)` when that returns an error (the owner may
   * know the request never left, or that it has no effect), else with OutcomeUnknownError.
   */
  constructor(
    private readonly clock: Clock,
    private readonly what: string,
    private readonly timeoutError?: (key: K, state: S | undefined) => RaftError | null,
  ) {}

  /** Waits for `key`, at most `timeoutMs`. */
  add(key: K, timeoutMs: number, signal?: AbortSignalLike): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const deadline = this.clock.now() + timeoutMs;
      const waiter: Waiter<T, S> = {
        resolve,
        reject,
        deadline,
        timeoutMs,
        accepted: false,
        state: undefined,
      };
      if (signal) {
        // Aborted before it left this node, it can never take effect; after, it still may.
        const abort = () =>
          this.settleError(
            key,
            waiter.accepted
              ? new OutcomeUnknownError(`${this.what} was aborted; it may still take effect`, 'ABORTED')
              : new ProposalRefusedError(`${this.what} was aborted before it was sent`, 'ABORTED'),
          );
        waiter.abort = abort;
        waiter.signal = signal;
        signal.addEventListener('abort', abort);
      }
      this.waiters.set(key, waiter);
      if (deadline < this.timerAt) this.arm(deadline);
    });
  }

  has(key: K): boolean {
    return this.waiters.has(key);
  }

  get size(): number {
    return this.waiters.size;
  }

  markAccepted(key: K): void {
    const w = this.waiters.get(key);
    if (w) w.accepted = true;
  }

  /** Keeps `state` with the request until it settles, and whether it left this node. */
  track(key: K, state: S, accepted: boolean): void {
    const w = this.waiters.get(key);
    if (!w) return;
    w.state = state;
    if (accepted) w.accepted = true;
  }

  stateOf(key: K): S | undefined {
    return this.waiters.get(key)?.state;
  }

  /** The states of the requests still waiting that have one. */
  states(): S[] {
    const states: S[] = [];
    for (const w of this.waiters.values()) if (w.state !== undefined) states.push(w.state);
    return states;
  }

  resolve(key: K, value: T): boolean {
    const w = this.take(key);
    if (!w) return false;
    w.resolve(value);
    return true;
  }

  settleError(key: K, error: RaftError): void {
    const w = this.take(key);
    if (w) w.reject(error);
  }

  /** Rejects every waiter: `refused` for those never accepted, `unknown` for the others. */
  failAll(refused: () => RaftError, unknown: () => RaftError): void {
    for (const key of [...this.waiters.keys()]) {
      const w = this.waiters.get(key)!;
      this.settleError(key, w.accepted ? unknown() : refused());
    }
    this.disarm();
  }

  private take(key: K): Waiter<T, S> | undefined {
    const w = this.waiters.get(key);
    if (!w) return undefined;
    this.waiters.delete(key);
    if (w.abort && w.signal) w.signal.removeEventListener('abort', w.abort);
    // The sweep timer stays armed even when nothing waits: it then fires once and stops, which is
    // cheaper than clearing and setting a timer around every request.
    return w;
  }

  private arm(at: number): void {
    this.disarm();
    this.timerAt = at;
    this.timer = this.clock.setTimer(at - this.clock.now(), () => this.sweep());
  }

  private disarm(): void {
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
  }

  /** Times out every waiter whose deadline passed, then re-arms for the next one. */
  private sweep(): void {
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    const now = this.clock.now();
    let next = Number.POSITIVE_INFINITY;
    for (const [key, w] of [...this.waiters]) {
      if (w.deadline <= now) {
        const error =
          this.timeoutError?.(key, w.state) ??
          new OutcomeUnknownError(
            `${this.what} timed out after ${formatMs(w.timeoutMs)}; it may still take effect`,
            'TIMEOUT',
          );
        this.settleError(key, error);
      } else if (w.deadline < next) {
        next = w.deadline;
      }
    }
    if (next !== Number.POSITIVE_INFINITY && this.waiters.size > 0) this.arm(next);
  }
}
