import { OutcomeUnknownError, ProposalRefusedError } from '@webraft/core';
import { type JsonDoc, type JsonPatch, PatchConflictError } from '@webraft/json-doc';
import { type Board, type BoardView, newId } from './board.js';
import { BoardEditError } from './board-patches.js';
import { buildIntent, type EditIntent, replayIntent, WHAT } from './edit-intents.js';
import type { SavedEdit, WaitingStore } from './waiting-store.js';

/** Refusals that say "not now" (no leader yet, a leadership transfer under way): nothing applied. */
const RETRY_CODES = new Set(['TRANSFERRING', 'NO_LEADER', 'NOT_LEADER']);

/** How long an edit may wait for a leader before it fails visibly. */
export const EDIT_DEADLINE_MS = 15_000;

/** How long one attempt of a waiting edit waits for a leader, and the pause between attempts. */
const WAITING_ATTEMPT_MS = 5_000;
const WAITING_PAUSE_MS = 250;

/** An edit kept past EDIT_DEADLINE_MS because no quorum took it: it goes on trying until it commits. */
export interface WaitingEdit {
  /** What the edit does, as the user asked it ("Adding the card"). */
  readonly what: string;
  /** Stops trying; the edit is dropped (run() resolves false, with no failure told). */
  discard(): void;
}

/** What the page shows about edits: how many are in flight, those waiting for a quorum, failures. */
export interface EditsListener {
  pending(count: number): void;
  failed(message: string): void;
  /** The edits kept waiting for a quorum, oldest first (an empty list once none waits). */
  waiting?(edits: readonly WaitingEdit[]): void;
}

/** A refusal that says "not now": nothing was applied and nothing will be (core README, Exactly-once). */
const notNow = (error: unknown): boolean =>
  error instanceof ProposalRefusedError && RETRY_CODES.has(error.code);

/**
 * Proposes the board's edits through this tab's node, shown at once (json-doc's optimistic view) and
 * rolled back if they fail. An edit refused because there is no leader right now, or whose guards
 * failed because another edit moved its list or card first, is built again on the current board and
 * proposed again until EDIT_DEADLINE_MS; every other failure is told to the user. An edit no leader
 * took by then is kept in the waiting list and goes on trying until it commits or is discarded.
 */
export class Edits {
  private inFlight = 0;
  private readonly kept: WaitingEdit[] = [];

  constructor(
    private readonly doc: JsonDoc<Board>,
    private readonly listener: EditsListener,
    /** How long an edit is shown on the board while waiting for a leader (EDIT_DEADLINE_MS). */
    private readonly deadlineMs = EDIT_DEADLINE_MS,
    /** Where edits that wait for a leader are kept across a reload (none: they live in the page). */
    private readonly store?: WaitingStore,
  ) {}

  /** Proposes the edit `intent` describes; kept in the store once it waits for a leader. */
  runIntent(intent: EditIntent): Promise<boolean> {
    return this.run(WHAT[intent.kind], (board) => buildIntent(board, intent), intent);
  }

  /**
   * Proposes again an edit kept from before a reload (the store's), shown in the waiting list at once:
   * built with `replayIntent`, which applies it once even if an earlier attempt committed.
   */
  async resume(saved: SavedEdit): Promise<boolean> {
    const what = WHAT[saved.intent.kind];
    this.listener.pending(++this.inFlight);
    try {
      return await this.keepUntilCommitted(what, (board) => replayIntent(board, saved.intent));
    } catch (error) {
      this.listener.failed(`${what} failed: ${describe(error)}`);
      return false;
    } finally {
      this.store?.forget(saved.id);
      this.listener.pending(--this.inFlight);
    }
  }

  /** The edits waiting for a quorum now. */
  get waiting(): readonly WaitingEdit[] {
    return this.kept;
  }

  /**
   * `build` makes the patch from the board as this tab shows it (null: nothing to do). Resolves false
   * when the edit failed (the user was told) or was discarded while waiting, true otherwise.
   */
  async run(
    what: string,
    build: (board: BoardView) => JsonPatch | null,
    intent?: EditIntent,
  ): Promise<boolean> {
    this.listener.pending(++this.inFlight);
    // Saved on the first "not now" only: an edit that commits at once never touches localStorage.
    const saved = intent && this.store ? { id: newId(), intent } : null;
    let stored = false;
    const waits = () => {
      if (!saved || stored) return;
      stored = true;
      this.store?.save(saved);
    };
    try {
      try {
        await this.proposeUntilDeadline(build, waits);
      } catch (error) {
        if (!notNow(error)) throw error;
        waits();
        return await this.keepUntilCommitted(what, build);
      }
      return true;
    } catch (error) {
      this.listener.failed(`${what} failed: ${describe(error)}`);
      return false;
    } finally {
      if (saved && stored) this.store?.forget(saved.id);
      this.listener.pending(--this.inFlight);
    }
  }

  /**
   * An edit no leader took before the deadline: every attempt so far was refused "not now", so none
   * was applied anywhere and none will be. It leaves the board (shown there, it would look committed)
   * for the waiting list, and is proposed again, built on the committed board, until it commits or
   * the user discards it: an edit made without a quorum is never silently lost. Discarding aborts the
   * attempt: one still waiting for a leader is dropped; one already sent to a leader may still commit,
   * which the user is told.
   */
  private async keepUntilCommitted(what: string, build: (board: BoardView) => JsonPatch | null) {
    const discarded = new AbortController();
    const edit: WaitingEdit = {
      what,
      discard: () => {
        discarded.abort();
        this.unkeep(edit);
      },
    };
    this.kept.push(edit);
    this.listener.waiting?.([...this.kept]);
    try {
      let conflict: string | null = null;
      while (!discarded.signal.aborted) {
        const patch = build(this.doc.value as BoardView);
        if (!patch) return true;
        const json = JSON.stringify(patch);
        try {
          await this.doc.propose(patch, { timeoutMs: WAITING_ATTEMPT_MS, signal: discarded.signal });
          return true;
        } catch (error) {
          // Discarded before the attempt was sent to a leader: it never will be. (Discarded after,
          // the core says the outcome is unknown: told to the user as a failure, below.)
          if (error instanceof ProposalRefusedError && error.code === 'ABORTED') return false;
          // As while shown: guards that failed because another edit moved things first are met by
          // building the edit again; the same patch again is the user's own conflict.
          if (error instanceof PatchConflictError && json !== conflict) conflict = json;
          else if (!notNow(error)) throw error;
          else await new Promise((resolve) => setTimeout(resolve, WAITING_PAUSE_MS));
        }
      }
      return false;
    } finally {
      this.unkeep(edit);
    }
  }

  private unkeep(edit: WaitingEdit): void {
    const at = this.kept.indexOf(edit);
    if (at < 0) return;
    this.kept.splice(at, 1);
    this.listener.waiting?.([...this.kept]);
  }

  private async proposeUntilDeadline(
    build: (board: BoardView) => JsonPatch | null,
    waits: () => void,
  ): Promise<void> {
    const deadline = Date.now() + this.deadlineMs;
    /** The last patch whose guards failed (as JSON), and how: built again the same, the conflict is real. */
    let conflict = null as { json: string; error: PatchConflictError } | null;
    for (;;) {
      const patch = build(this.doc.optimisticValue as BoardView);
      if (!patch) return;
      const json = JSON.stringify(patch);
      if (json === conflict?.json) throw conflict.error;
      try {
        await this.doc.optimistic(patch, { timeoutMs: Math.max(1, deadline - Date.now()) });
        return;
      } catch (error) {
        if (Date.now() >= deadline) throw error;
        if (error instanceof PatchConflictError) {
          // Another edit moved things first. The failing patch was applied nowhere, and this node
          // has applied that other edit by now: build the edit again on the board it made. Where
          // the edit's subject moved, the new patch differs and is proposed; where the conflict is
          // the user's own (a card's text changed meanwhile), it comes out the same and fails.
          conflict = { json, error };
          continue;
        }
        if (!notNow(error)) throw error;
        waits();
        // A turn for the new leader to be heard before proposing again.
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  }
}

/** A sentence for the user. */
function describe(error: unknown): string {
  if (error instanceof PatchConflictError) {
    return 'another tab changed this first (the edit was not applied, the board shows their change)';
  }
  if (error instanceof BoardEditError) return error.message;
  if (error instanceof ProposalRefusedError && error.code === 'NO_LEADER') {
    return 'no leader was found in time (the edit was not applied)';
  }
  if (error instanceof OutcomeUnknownError && error.code === 'ABORTED') {
    return 'it was discarded while already on its way to a leader: it may still show on the board';
  }
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
