import type { JsonDocChange, JsonDocument } from '@webraft/json-doc';
import type { Board } from './board.js';

/** One applied entry as the inspector shows it. */
export interface TailEntry {
  readonly index: number;
  readonly proposer: string | null;
  /** Its operations, short: `add /lists/0/cards/-`, `test`s left out (they only guard). */
  readonly ops: string;
}

/** How many of the latest applied entries a node's tail keeps. */
export const TAIL_LENGTH = 5;

/**
 * The latest patches a node applied, newest first (its log's tail as far as the board goes; the
 * membership entries the tab cluster adds are not patches and do not show here).
 */
export class LogTail {
  #entries: TailEntry[] = [];

  constructor(document: JsonDocument<Board>) {
    document.subscribe((change) => {
      this.#entries = [summarize(change), ...this.#entries].slice(0, TAIL_LENGTH);
    });
  }

  get entries(): readonly TailEntry[] {
    return this.#entries;
  }
}

function summarize(change: JsonDocChange<Board>): TailEntry {
  const ops = change.restored
    ? 'snapshot from the leader'
    : change.patch
        .filter((op) => op.op !== 'test')
        .map((op) => `${op.op} ${op.path}`)
        .join('; ');
  return { index: change.index, proposer: change.proposer ?? null, ops };
}
