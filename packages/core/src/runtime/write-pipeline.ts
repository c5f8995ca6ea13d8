/**
 * The write pipeline: works off what the protocol produced, one `Ready` (a round) at a time, in the
 * order the persistence contract demands (hard state and entries are durable before any message that
 * depends on them is sent; entries are applied in order, once, after they are durable):
 *
 *   run() ──► startRound: send earlyMessages, persist the batch (entries, hard state, snapshot,
 *    ▲        │           compaction) ─────────── nothing to write ──────────┐
 *    │        ▼                                                              │
 *    │   [waiting: write] ──ok──► onWritten ──────────────────────────────► afterWrite
 *    │        │ failed              ▲                                        │
 *    │        ▼                     │                          rd.snapshot? ─┤
 *    │   onWriteFailed: transient: retry with backoff                        ├─ yes ─► [waiting: install]
 *    │        (until written, or the node stops: end)                        │           │ ok     │ failed
 *    │        fatal (error.fatal): fail the node (end)                       ▼           ▼        ▼
 *    │                                            afterInstall ◄──── onInstalled   onRoundFailed: fail
 *    │                                            send messages, advance, apply          (end)
 *    │                                                                       │
 *    │                                        seed-style apply listeners? ───┼─ yes ─► [waiting: apply]
 *    │                                                                       ▼           │
 *    │                                            afterApply ◄──────────── onApplied ◄───┘
 *    │                                            read states, compaction, status events
 *    └──── 'done': next round, while the protocol has one (or a compaction waits to be written) ─┘
 *
 * Every stage returns 'done' (the round is over), 'waiting' (it parked itself on a promise and goes
 * on from that promise's callback) or 'stopped' (the node stopped meanwhile). `processing` is true
 * from `run()` until the rounds end, waits included, so rounds never overlap.
 *
 * It runs several times per commit, so it is no async function (an async function's promise and
 * frame cost more than the rest of a round): it runs synchronously until a round must wait for its
 * write, a snapshot install or seed-style `apply` listeners. The stages are arrow functions made
 * once, as they are also promise callbacks.
 */
import { ApplicationError, type RaftError, type StorageError } from '../errors.js';
import type { Ready } from '../protocol/raft.js';
import type { Entry, Message, ReadState, Snapshot } from '../protocol/types.js';
import type { PersistBatch } from '../storage/types.js';
import { sleep } from './clock.js';
import type { NodeContext } from './node-context.js';
import { StorageRetry, toStorageError } from './storage-retry.js';

/** What the stages of a round hand to the rest of the node. */
export interface RoundSteps {
  /** Restores a snapshot from the leader (rejects when the state machine cannot). */
  installSnapshot(snapshot: Snapshot): Promise<void>;
  /** Applies committed entries; a promise when it must wait (seed-style `apply` listeners). */
  applyEntries(entries: readonly Entry[]): Promise<void> | undefined;
  onReadState(rs: ReadState): void;
  /** A snapshot that compacted the log, to write with the next batch, or null. */
  compact(): Snapshot | null;
  reportStatus(): void;
  /** Halts the node for good (state 'failed'), saying why on `error`. */
  fail(error: RaftError): void;
  /** The rounds ended and the node still runs: re-arm timers. */
  idle(): void;
}

/** How a stage of a round ended. */
type RoundOutcome = 'done' | 'waiting' | 'stopped';

/** A round with nothing from the protocol (only a compaction to write). */
const EMPTY_READY: Ready = Object.freeze({
  hardState: undefined,
  entries: [],
  snapshot: undefined,
  earlyMessages: [],
  messages: [],
  committedEntries: [],
  readStates: [],
});

export class WritePipeline {
  /** From `run()` until the rounds end, waits included. */
  processing = false;
  /** The last write started (`stop()` waits for it). */
  persisting: Promise<void> = Promise.resolve();
  /** The round waiting for a promise, and (while it is written) its batch, for a retry. */
  private waitingRound: Ready | null = null;
  private batchInFlight: PersistBatch | null = null;
  /** A compaction snapshot waiting to be written with the next batch. */
  private compaction: Snapshot | null = null;
  /** Backoff and reporting of a streak of failed writes (storage-retry.ts). */
  private readonly retry: StorageRetry;

  constructor(
    private readonly ctx: NodeContext,
    private readonly steps: RoundSteps,
  ) {
    this.retry = new StorageRetry(ctx.opts.random);
  }

  /** Runs rounds until none is left or one must wait (then goes on when it may). */
  run(): void {
    if (this.processing) return;
    this.processing = true;
    this.runRounds();
  }

  /**
   * While a round waits (for its write, mostly), sends what the protocol produced since that depends
   * on nothing unpersisted (`RaftCore.takeEarlyMessages`): a leader's new commit index, learned from
   * its followers while its own write is in flight, and appends of entries proposed meanwhile, go out
   * now rather than after that write (thesis 10.2.1). Everything else waits for the next round.
   */
  sendEarly(): void {
    if (this.waitingRound === null || !this.ctx.running) return;
    this.sendAll(this.ctx.core!.takeEarlyMessages());
  }

  /** Starts rounds until none is left or one must wait. */
  private runRounds(): void {
    const core = this.ctx.core!;
    let outcome: RoundOutcome = 'done';
    try {
      while (outcome === 'done' && this.ctx.running) {
        const hasReady = core.hasReady();
        if (!hasReady && this.compaction === null) break;
        outcome = this.startRound(hasReady ? core.ready(this.ctx.opts.tuning.maxApplyBatch) : EMPTY_READY);
      }
    } catch (error) {
      this.endRounds();
      throw error;
    }
    if (outcome !== 'waiting') this.endRounds();
  }

  private endRounds(): void {
    this.processing = false;
    if (this.ctx.running) this.steps.idle();
  }

  /** Parks `rd` until `promise` settles, then goes on with `next` (or ends the rounds on failure). */
  private waitFor(rd: Ready, promise: Promise<void>, next: () => void): RoundOutcome {
    this.waitingRound = rd;
    promise.then(next, this.onRoundFailed);
    return 'waiting';
  }

  /** Goes on with the parked round at `stage`, then with the rounds after it. */
  private resume(stage: (rd: Ready) => RoundOutcome): void {
    const rd = this.waitingRound!;
    this.waitingRound = null;
    let outcome: RoundOutcome;
    try {
      outcome = this.ctx.running ? stage(rd) : 'stopped';
    } catch (error) {
      this.endRounds();
      throw error;
    }
    if (outcome === 'done') this.runRounds();
    else if (outcome === 'stopped') this.endRounds();
  }

  // The stages of a round, in order.

  private readonly startRound = (rd: Ready): RoundOutcome => {
    this.sendAll(rd.earlyMessages);
    const batch = toPersistBatch(rd, this.compaction);
    this.compaction = null;
    if (batch === null) return this.afterWrite(rd);
    let written: Promise<void>;
    try {
      written = this.ctx.opts.storage.persist(batch);
    } catch (cause) {
      written = Promise.reject(cause);
    }
    this.persisting = written;
    this.batchInFlight = batch;
    this.waitingRound = rd;
    written.then(this.onWritten, this.onWriteFailed);
    return 'waiting';
  };

  private readonly onWritten = (): void => {
    this.batchInFlight = null;
    this.resume(this.afterWrite);
  };

  /**
   * A write failed: a transient failure is retried until the write succeeds (or the node stops), and
   * nothing that depends on it happens first; a fatal one fails the node.
   */
  private readonly onWriteFailed = (cause: unknown): void => {
    this.retryPersist(this.batchInFlight!, cause).then(this.onWritten, (error: StorageError) => {
      this.batchInFlight = null;
      this.waitingRound = null;
      // Fatal, or the node stopped while retrying (the failure was reported on `error` then).
      if (error.fatal) this.steps.fail(error);
      this.endRounds();
    });
  };

  private readonly afterWrite = (rd: Ready): RoundOutcome => {
    if (!this.ctx.running) return 'stopped';
    if (rd.snapshot) return this.waitFor(rd, this.steps.installSnapshot(rd.snapshot), this.onInstalled);
    return this.afterInstall(rd);
  };

  private readonly onInstalled = (): void => this.resume(this.afterInstall);

  private readonly afterInstall = (rd: Ready): RoundOutcome => {
    if (!this.ctx.running) return 'stopped';
    this.sendAll(rd.messages);
    this.ctx.core!.advance(rd);
    if (rd.committedEntries.length > 0) {
      const applying = this.steps.applyEntries(rd.committedEntries);
      if (applying) return this.waitFor(rd, applying, this.onApplied);
    }
    return this.afterApply(rd);
  };

  private readonly onApplied = (): void => this.resume(this.afterApply);

  private readonly afterApply = (rd: Ready): RoundOutcome => {
    if (!this.ctx.running) return 'stopped';
    const readStates = rd.readStates;
    for (let i = 0; i < readStates.length; i++) this.steps.onReadState(readStates[i]!);
    const compaction = this.steps.compact();
    if (compaction !== null) this.compaction = compaction;
    this.steps.reportStatus();
    return 'done';
  };

  /**
   * A round's wait failed: the state machine could not restore a snapshot from the leader. Nothing
   * after it can be applied on a state of unknown shape, so the node stops (as a crash would; a
   * restart loads the snapshot again) and says why on the `error` event.
   */
  private readonly onRoundFailed = (error: unknown): void => {
    this.waitingRound = null;
    this.steps.fail(new ApplicationError('stateMachine.restore()', error));
    this.endRounds();
  };

  /**
   * A write failed: retries a transient failure with backoff (reported without flooding) until it
   * succeeds. Rejects with the StorageError when it is fatal, or when the node stopped meanwhile.
   */
  private async retryPersist(batch: PersistBatch, firstCause: unknown): Promise<void> {
    const { ctx } = this;
    let cause = firstCause;
    for (;;) {
      const error = toStorageError(cause, 'persist');
      if (error.fatal || !ctx.running) throw error;
      const { delayMs, report } = this.retry.failed(error);
      if (report !== null) ctx.events.emit('error', report);
      await sleep(ctx.opts.clock, delayMs);
      if (!ctx.running) throw error;
      try {
        const written = ctx.opts.storage.persist(batch);
        this.persisting = written;
        await written;
        this.retry.succeeded();
        return;
      } catch (next) {
        cause = next;
      }
    }
  }

  private sendAll(messages: readonly Message[]): void {
    // Indexed loops on the commit path: a Ready's arrays are of two kinds (fresh, or the shared frozen
    // empty one), and over both a for-of is not optimized into a plain loop (it allocated per step).
    const { opts } = this.ctx;
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i]!;
      opts.send(m.to, m);
    }
  }
}

function toPersistBatch(rd: Ready, compaction: Snapshot | null): PersistBatch | null {
  const batch: PersistBatch = {};
  let any = false;
  if (compaction) {
    batch.compaction = compaction;
    any = true;
  }
  if (rd.snapshot) {
    batch.snapshot = rd.snapshot;
    any = true;
  }
  if (rd.entries.length > 0) {
    batch.entries = rd.entries;
    any = true;
  }
  if (rd.hardState) {
    batch.hardState = rd.hardState;
    any = true;
  }
  return any ? batch : null;
}
