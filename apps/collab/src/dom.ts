/** A small element builder: the board is drawn with the DOM API, no framework. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<Record<string, string>> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined) continue;
    if (name === 'text') element.textContent = value;
    else element.setAttribute(name, value);
  }
  element.append(...children);
  return element;
}

/** A button with a visible symbol and a spoken, unique name (`label`). */
export function button(symbol: string, label: string, key: string, onClick: () => void): HTMLButtonElement {
  const b = el('button', { type: 'button', 'data-key': key, text: symbol });
  setName(b, label);
  b.addEventListener('click', onClick);
  return b;
}

/** Gives a control its spoken name and the same tooltip. */
export function setName(control: HTMLElement, name: string): void {
  control.setAttribute('aria-label', name);
  control.title = name;
}

/**
 * Redraws `root` with `draw()` and gives the focus back to the control that had it (same `data-key`),
 * keeping what the user was typing in it: a change from another tab must not steal the caret.
 */
export function redrawKeepingFocus(root: HTMLElement, draw: () => Node[]): void {
  updateKeepingFocus(root, () => root.replaceChildren(...draw()));
}

/**
 * Runs `update` (which changes what `root` holds) and gives the focus back as `redrawKeepingFocus`
 * does, if the focused control left the page meanwhile (it was redrawn, or moved).
 */
export function updateKeepingFocus(root: HTMLElement, update: () => void): void {
  const active = document.activeElement;
  const key = active instanceof HTMLElement && root.contains(active) ? active.dataset.key : undefined;
  const typing = active instanceof HTMLInputElement ? active : null;
  redrawing = true;
  try {
    update();
  } finally {
    redrawing = false;
  }
  if (!key || document.activeElement === active) return;
  const again = root.querySelector<HTMLElement>(`[data-key="${CSS.escape(key)}"]`);
  if (!again) return;
  if (typing && again instanceof HTMLInputElement) {
    again.value = typing.value;
    if (typing.dataset.base !== undefined) again.dataset.base = typing.dataset.base;
    again.setSelectionRange(typing.selectionStart, typing.selectionEnd);
  }
  again.focus();
}

/**
 * Makes `parent`'s children exactly `children`, in order, moving or removing only those out of
 * place: children already where they belong are not touched, so the page restyles and lays out only
 * what changed, and a control the user is in keeps its focus and caret.
 */
export function placeChildren(parent: Element, children: readonly Node[]): void {
  for (let i = 0; i < children.length; i++) {
    const child = children[i]!;
    if (parent.childNodes[i] !== child) parent.insertBefore(child, parent.childNodes[i] ?? null);
  }
  while (parent.childNodes.length > children.length) parent.lastChild!.remove();
}

/** True while a redraw removes the old controls: a blur then is not the user leaving a field. */
let redrawing = false;

/**
 * An input showing `shown` (a title, a card's text) that proposes the user's edit on Enter or when
 * the user leaves it; not on the `change` event, which Chromium also fires when a redraw removes the
 * focused input. `commit(old, text)` gets the text the user started from (kept in `data-base` while
 * they are in the field): another tab's change in the meantime makes a guarded edit fail instead of
 * being overwritten. After a failed commit the input shows the board's text again, not the draft.
 */
export function editableText(
  input: HTMLInputElement,
  shown: string,
  commit: (old: string, text: string) => Promise<boolean>,
): HTMLInputElement {
  showText(input, shown);
  const submit = async () => {
    const text = input.value.trim();
    const old = input.dataset.base ?? input.dataset.text!;
    if (!text || text === old) return;
    input.dataset.base = text;
    if (!(await commit(old, text))) {
      // Refused: the board's text again, not the draft.
      input.value = input.dataset.text!;
      if (document.activeElement === input) input.dataset.base = input.value;
    }
  };
  input.addEventListener('focus', () => {
    input.dataset.base ??= input.dataset.text;
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') void submit();
  });
  input.addEventListener('blur', () => {
    if (redrawing) return;
    void submit();
    delete input.dataset.base;
  });
  return input;
}

/**
 * Shows the board's `text` in an `editableText` input. A user typing in it keeps their draft, and
 * its `data-base` stays the text they started from: their edit, guarded by that text, then fails
 * rather than overwrite the other tab's change.
 */
export function showText(input: HTMLInputElement, text: string): void {
  const before = input.dataset.text;
  if (before === text) return;
  input.dataset.text = text;
  if (document.activeElement === input && input.value !== before) return;
  input.value = text;
  if (input.dataset.base !== undefined) input.dataset.base = text;
}
