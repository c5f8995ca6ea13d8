import type { VisibilitySource } from '@webraft/tab';

/**
 * The page's visibility as the tab cluster hears it: the document's, unless the inspector made the
 * tab act hidden ("Hide"). Then the tab cluster hears a `visibilitychange` to hidden and its leaders
 * hand off, exactly as when the user switches to another tab (packages/tab/README.md, Handoff); "Show"
 * undoes it. The document's own changes pass through.
 */
export class PageVisibility extends EventTarget implements VisibilitySource {
  #actingHidden = false;

  constructor(private readonly document: Document) {
    super();
    document.addEventListener('visibilitychange', () => this.dispatchEvent(new Event('visibilitychange')));
  }

  get visibilityState(): DocumentVisibilityState {
    return this.#actingHidden ? 'hidden' : this.document.visibilityState;
  }

  /** Whether the inspector made this tab act hidden. */
  get actingHidden(): boolean {
    return this.#actingHidden;
  }

  actHidden(hidden: boolean): void {
    if (this.#actingHidden === hidden) return;
    this.#actingHidden = hidden;
    this.dispatchEvent(new Event('visibilitychange'));
  }
}
