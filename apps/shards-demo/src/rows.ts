/**
 * Keeps a table body's rows in step with a list: one row per key, made once (with whatever controls
 * `make` adds) and appended, updated in place by `fill`, removed when its key is gone. Rows are never
 * moved or remade, so a focused button keeps the focus across redraws.
 */
export function syncRows<T>(
  body: HTMLTableSectionElement,
  items: T[],
  key: (item: T) => string,
  fill: (row: HTMLTableRowElement, item: T) => void,
  make: (row: HTMLTableRowElement, item: T) => void = () => undefined,
): void {
  const existing = new Map<string, HTMLTableRowElement>();
  for (const row of body.rows) existing.set(row.dataset.key ?? '', row);
  const wanted = new Set<string>();
  for (const item of items) {
    const k = key(item);
    wanted.add(k);
    let row = existing.get(k);
    if (!row) {
      row = body.insertRow();
      row.dataset.key = k;
      make(row, item);
    }
    fill(row, item);
  }
  for (const [k, row] of existing) if (!wanted.has(k)) row.remove();
}

/** Sets the text of a row's cells from the left, adding cells as needed; a `null` leaves its cell as it is. */
export function setCells(row: HTMLTableRowElement, texts: (string | number | null)[]): void {
  texts.forEach((text, i) => {
    const cell = row.cells[i] ?? row.insertCell(i);
    if (text === null) return;
    const value = String(text);
    if (cell.textContent !== value) cell.textContent = value;
  });
}

export function kilobytes(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}
