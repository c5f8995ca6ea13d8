import { ProposalRefusedError } from '@webraft/core';
import { type JsonDoc, type JsonPatch, PatchConflictError } from '@webraft/json-doc';
import type { Board, BoardView } from './board.js';
import { BoardEditError } from './board-patches.js';

/** Refusals that say "not now" (no leader yet, a leadership transfer under way): nothing applied. */
const RETRY_CODES = new Set(['TRANSFERRING', 'NO_LEADER', 'NOT_LEADER']);

/** How long an edit may wait for a leader before it fails visibly. */
export const EDIT_DEADLINE_MS = 15_000;

/** What the page shows about edits: how many wait, and the last failure. */
export interface EditsListener {
  pending(count: number): void;
  failed(message: string): void;
}

/**
 * Proposes the board's edits through this tab's node, shown at once (json-doc's optimistic view) and
 * rolled back if they fail. An edit refused because there is no leader right now, or whose guards
 * failed because another edit moved its list or card first, is built again on the current board and
 * proposed again until EDIT_DEADLINE_MS; every other failure is told to the user.
 */
export class Edits {
  private inFlight = 0;

  constructor(
    private readonly doc: JsonDoc<Board>,
    private readonly listener: EditsListener,
  ) {}

  /**
   * `build` makes the patch from the board as this tab shows it (null: nothing to do). Resolves false
   * when the edit failed (the user was told), true otherwise.
   */
  async run(what: string, build: (board: BoardView) => JsonPatch | null): Promise<boolean> {
    this.listener.pending(++this.inFlight);
    try {
      await this.proposeUntilDeadline(build);
      return true;
    } catch (error) {
      this.listener.failed(`${what} failed: ${describe(error)}`);
      return false;
    } finally {
      this.listener.pending(--this.inFlight);
    }
  }

  private async proposeUntilDeadline(build: (board: BoardView) => JsonPatch | null): Promise<void> {
    const deadline = Date.now() + EDIT_DEADLINE_MS;
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
        if (!(error instanceof ProposalRefusedError && RETRY_CODES.has(error.code))) throw error;
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
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
