import { type EditIntent, isIntent } from './edit-intents.js';

/** An edit kept in localStorage while it waits for a leader or a quorum. */
export interface SavedEdit {
  readonly id: string;
  readonly intent: EditIntent;
}

/**
 * The edits of one tab identity (per board: the key holds the board's namespace) that wait for a
 * leader or a quorum, in localStorage, so a reload of the tab (which keeps its identity,
 * packages/tab/README.md) proposes them again instead of losing them. An entry that is not a saved
 * edit (another version's, or edited by hand) is dropped on load.
 */
export class WaitingStore {
  private readonly key: string;

  constructor(
    namespace: string,
    identity: string,
    private readonly storage: Storage = localStorage,
  ) {
    this.key = `${namespace}/waiting-edits/${identity}`;
  }

  load(): SavedEdit[] {
    let saved: unknown;
    try {
      saved = JSON.parse(this.storage.getItem(this.key) ?? '[]');
    } catch {
      return [];
    }
    if (!Array.isArray(saved)) return [];
    return saved.filter(
      (edit): edit is SavedEdit =>
        typeof edit === 'object' && edit !== null && typeof edit.id === 'string' && isIntent(edit.intent),
    );
  }

  save(edit: SavedEdit): void {
    this.write([...this.load().filter((kept) => kept.id !== edit.id), edit]);
  }

  forget(id: string): void {
    this.write(this.load().filter((kept) => kept.id !== id));
  }

  private write(edits: SavedEdit[]): void {
    if (edits.length === 0) this.storage.removeItem(this.key);
    else this.storage.setItem(this.key, JSON.stringify(edits));
  }
}
