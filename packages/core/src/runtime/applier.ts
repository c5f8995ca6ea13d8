import { ApplicationError, ProposalRefusedError } from '../errors.js';
import { cloneJson } from '../protocol/clone-json.js';
import type { ClusterConfig, Entry, Snapshot } from '../protocol/types.js';
import { sleep } from './clock.js';
import type { NodeContext } from './node-context.js';
import type { ProposalWaiters } from './proposals.js';
import { type AppliedRecord, type SessionSnapshot, SessionTable } from './sessions.js';

/** What a snapshot's `data` holds: the state machine's state and the client sessions (thesis 6.3). */
interface SnapshotData {
  state: unknown;
  sessions: SessionSnapshot;
}

/** How long a failed seed-style `apply` listener waits before the entry is handed to it again. */
const APPLY_LISTENER_RETRY_MS = 200;

/** What the applier tells the rest of the node. */
export interface ApplierHooks {
  /** A configuration applied (from an entry or an installed snapshot). */
  onConfigApplied(config: ClusterConfig): void;
  /** A batch of entries or a snapshot applied: `lastApplied` moved. */
  onApplied(): void;
}

/**
 * Applies committed entries to the state machine, in order and once each: a retry of a command
 * already applied is skipped by the session table (thesis 6.3). Settles this node's proposals with
 * what their application gave, restores snapshots (loaded or installed from the leader), runs the
 * seed-style `apply` and `refresh` listeners, and takes the snapshots that compact the log (paper
 * section 7).
 */
export class Applier {
  /** The index of the last entry applied here (or the snapshot that holds it). */
  lastApplied = 0;
  private lastSnapshotIndex = 0;
  private readonly sessions = new SessionTable();

  constructor(
    private readonly ctx: NodeContext,
    private readonly proposals: ProposalWaiters,
    private readonly hooks: ApplierHooks,
  ) {}

  /** Starts from the snapshot loaded from storage, if any. */
  load(snapshot: Snapshot | null): void {
    if (snapshot) this.restoreStateMachine(snapshot);
    this.lastApplied = snapshot?.meta.index ?? 0;
    this.lastSnapshotIndex = this.lastApplied;
  }

  /**
   * Applies committed entries in order. Synchronous unless seed-style `apply` listeners must call
   * back, in which case each entry waits for them (returns the promise of that work).
   */
  applyEntries(entries: readonly Entry[]): Promise<void> | undefined {
    const listeners = this.ctx.events.events.apply;
    if (listeners !== undefined && listeners.length > 0) return this.applyEntriesWithListeners(entries);
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      if (!this.skipDuplicate(entry)) this.finishApply(entry, this.applyToStateMachine(entry));
    }
    this.hooks.onApplied();
    return undefined;
  }

  private async applyEntriesWithListeners(entries: readonly Entry[]): Promise<void> {
    for (const entry of entries) {
      if (this.skipDuplicate(entry)) continue;
      const outcome = this.applyToStateMachine(entry);
      if (entry.kind === 'command') await this.runApplyListeners(entry);
      if (!this.ctx.running) return;
      this.finishApply(entry, outcome);
    }
    this.hooks.onApplied();
  }

  /**
   * Thesis 6.3: a retry of a command already applied is skipped by every node alike; its proposer is
   * answered with the first application's outcome. Returns whether `entry` was such a retry.
   */
  private skipDuplicate(entry: Entry): boolean {
    const { client, seq } = entry;
    if (client === undefined || seq === undefined) return false;
    const earlier = this.sessions.lookup(client, seq);
    if (earlier === false) return false;
    this.lastApplied = entry.index;
    this.sessions.expire(entry.index);
    if (client === this.ctx.opts.clientId) {
      if (earlier === true)
        this.proposals.resolve(seq, { index: entry.index, term: entry.term, result: undefined });
      else this.settleProposal(seq, earlier);
    }
    return true;
  }

  /** The proposer's promise gets what the (first) application gave: its result, or the state machine's throw. */
  private settleProposal(seq: number, record: AppliedRecord): void {
    if (record.error === undefined) this.proposals.resolve(seq, record);
    else this.proposals.settleError(seq, applyFailed(record.error));
  }

  /** Runs a command through the state machine. A throw is deterministic (every node throws alike). */
  private applyToStateMachine(entry: Entry): { result: unknown; failure: unknown } {
    const { stateMachine } = this.ctx.opts;
    if (entry.kind !== 'command' || !stateMachine) return { result: undefined, failure: undefined };
    try {
      return {
        result: stateMachine.apply(entry.data, { index: entry.index, term: entry.term }),
        failure: undefined,
      };
    } catch (failure) {
      return { result: undefined, failure };
    }
  }

  /** Records an applied entry: session table, membership events, the proposer's promise, `updated`. */
  private finishApply(entry: Entry, { result, failure }: { result: unknown; failure: unknown }): void {
    this.lastApplied = entry.index;
    this.sessions.expire(entry.index);
    if (entry.kind === 'config') this.hooks.onConfigApplied(entry.data as ClusterConfig);
    const { client, seq } = entry;
    if (client !== undefined && seq !== undefined) {
      // One object serves as the session record and as what propose() resolves with. A throw of the
      // state machine is recorded too, so a retry is answered alike on every node.
      const record: AppliedRecord = { index: entry.index, term: entry.term, result };
      if (failure !== undefined) record.error = String(failure);
      this.sessions.record(client, seq, record);
      if (client === this.ctx.opts.clientId) this.settleProposal(seq, record);
    }
    const { events } = this.ctx;
    const updated = events.events.updated;
    if (entry.kind === 'command' && updated !== undefined && updated.length > 0)
      events.emit('updated', entry.index);
  }

  /** The seed's `apply(entry, index, cb)` event: every listener must call back before the next entry. */
  private async runApplyListeners(entry: Entry): Promise<void> {
    const { events } = this.ctx;
    const seedEntry = { command: entry.data, term: entry.term, index: entry.index };
    for (;;) {
      const listeners = [...(events.events.apply ?? [])];
      const errors: unknown[] = [];
      await Promise.all(
        listeners.map(
          (listener) =>
            new Promise<void>((resolve) => {
              try {
                listener(seedEntry, entry.index, (err?: unknown) => {
                  if (err) errors.push(err);
                  resolve();
                });
              } catch (err) {
                errors.push(err);
                resolve();
              }
            }),
        ),
      );
      if (errors.length === 0 || !this.ctx.running) return;
      // The entry is committed: it must be applied before anything after it. Report and retry.
      events.emit('error', new ApplicationError("'apply' listener", errors[0]));
      await sleep(this.ctx.opts.clock, APPLY_LISTENER_RETRY_MS);
    }
  }

  private restoreStateMachine(snapshot: Snapshot): void {
    const data = snapshot.data as SnapshotData | null;
    this.sessions.restore(data?.sessions);
    const { stateMachine } = this.ctx.opts;
    if (stateMachine && data && data.state !== null && data.state !== undefined) {
      // A copy: the state machine may keep and change what it is given, and this snapshot is also
      // what the node sends to followers that fall behind.
      stateMachine.restore(cloneJson(data.state));
    }
  }

  /** A snapshot from the leader replaced our log: restore the state, and let seed-style users reload theirs. */
  async installSnapshot(snapshot: Snapshot): Promise<void> {
    this.restoreStateMachine(snapshot);
    this.settleProposalsIn(snapshot);
    const { events } = this.ctx;
    const listeners = events.events.refresh ?? [];
    const given = { meta: snapshot.meta, data: (snapshot.data as SnapshotData | null)?.state ?? null };
    await Promise.all(
      listeners.map(
        (listener) =>
          new Promise<void>((resolve) => {
            try {
              listener(() => resolve(), given);
            } catch (error) {
              // A listener that throws cannot hold up applying for good: report it and go on.
              events.emit('error', new ApplicationError("'refresh' listener", error));
              resolve();
            }
          }),
      ),
    );
    this.lastApplied = snapshot.meta.index;
    this.lastSnapshotIndex = snapshot.meta.index;
    this.hooks.onConfigApplied(snapshot.meta.config);
    this.hooks.onApplied();
  }

  /**
   * Proposals of ours that the snapshot's state already holds: their entries were applied on the
   * leader's side of the snapshot and will never be applied here. They are answered from the session
   * table the snapshot carries (thesis 6.3) instead of waiting for a retry to come back as a duplicate.
   */
  private settleProposalsIn(snapshot: Snapshot): void {
    for (const p of this.proposals.states()) {
      const seq = p.entry.seq!;
      const earlier = this.sessions.lookup(this.ctx.opts.clientId, seq);
      if (earlier === false) continue;
      if (earlier === true) {
        // Applied, but its result is no longer kept: at or before the snapshot's index.
        this.proposals.resolve(seq, {
          index: snapshot.meta.index,
          term: snapshot.meta.term,
          result: undefined,
        });
      } else {
        this.settleProposal(seq, earlier);
      }
    }
  }

  /**
   * Paper section 7: once the log grew by `snapshotThreshold` applied entries, snapshots the state
   * machine and compacts the protocol's log. Returns the snapshot, to be written with the next batch
   * (or null when it is not time, or the state machine could not take one).
   */
  maybeCompact(): Snapshot | null {
    const { tuning, stateMachine } = this.ctx.opts;
    if (this.lastApplied - this.lastSnapshotIndex < tuning.snapshotThreshold) return null;
    const core = this.ctx.core!;
    const index = this.lastApplied;
    const term = core.log.term(index);
    if (term === undefined) return null;
    this.lastSnapshotIndex = index;
    let state: unknown = null;
    try {
      // A copy, detached from the live state the state machine goes on changing.
      if (stateMachine) state = cloneJson(stateMachine.snapshot());
    } catch (error) {
      // No compaction this time (the log keeps growing until a later snapshot works).
      this.ctx.events.emit('error', new ApplicationError('stateMachine.snapshot()', error));
      return null;
    }
    const snapshot: Snapshot = {
      meta: { index, term, config: core.configAt(index) },
      data: { state, sessions: this.sessions.toSnapshot() } satisfies SnapshotData,
    };
    core.compact(snapshot, tuning.snapshotTrailingEntries);
    return snapshot;
  }
}

/** The state machine threw on the command: it did so on every node alike, and the command is not applied again. */
function applyFailed(cause: unknown): ProposalRefusedError {
  return new ProposalRefusedError(
    `the state machine rejected the command: ${String(cause)}`,
    'APPLY_FAILED',
    { cause },
  );
}
