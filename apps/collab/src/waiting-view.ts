import { button, el } from './dom.js';
import type { WaitingEdit } from './edits.js';

/**
 * The edits waiting for a quorum (Edits' waiting list), each with a button to discard it; the section
 * is hidden while none waits.
 */
export function drawWaiting(
  section: HTMLElement,
  list: HTMLUListElement,
  edits: readonly WaitingEdit[],
): void {
  section.hidden = edits.length === 0;
  list.replaceChildren(
    ...edits.map((edit, i) =>
      el(
        'li',
        { class: 'waiting-edit' },
        `${edit.what}: waiting for a quorum `,
        button('Discard', `Discard waiting edit ${i + 1}: ${edit.what}`, `waiting:${i}:discard`, () =>
          edit.discard(),
        ),
      ),
    ),
  );
}
