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
  const b = el('button', {
    type: 'button',
    'aria-label': label,
    title: label,
    'data-key': key,
    text: symbol,
  });
  b.addEventListener('click', onClick);
  return b;
}

/**
 * Redraws `root` with `draw()` and gives the focus back to the control that had it (same `data-key`),
 * keeping what the user was typing in it: a change from another tab must not steal the caret.
 */
export function redrawKeepingFocus(root: HTMLElement, draw: () => Node[]): void {
  const active = document.activeElement;
  const key = active instanceof HTMLElement && root.contains(active) ? active.dataset.key : undefined;
  const typing = active instanceof HTMLInputElement ? active : null;
  root.replaceChildren(...draw());
  if (!key) return;
  const again = root.querySelector<HTMLElement>(`[data-key="${CSS.escape(key)}"]`);
  if (!again) return;
  if (typing && again instanceof HTMLInputElement) {
    again.value = typing.value;
    again.setSelectionRange(typing.selectionStart, typing.selectionEnd);
  }
  again.focus();
}
