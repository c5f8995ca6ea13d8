/**
 * A `Storage` that lives in memory: given to `adoptIdentity` for a node this tab hosts beside its own,
 * so the adoption does not replace this tab's id in `sessionStorage` (a reload then resumes the tab's
 * own node, and the adopted id goes back to the pool of free identities).
 */
export class ScratchStorage implements Storage {
  readonly #items = new Map<string, string>();
  [name: string]: unknown;

  get length(): number {
    return this.#items.size;
  }
  key(index: number): string | null {
    return [...this.#items.keys()][index] ?? null;
  }
  getItem(key: string): string | null {
    return this.#items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.#items.set(key, String(value));
  }
  removeItem(key: string): void {
    this.#items.delete(key);
  }
  clear(): void {
    this.#items.clear();
  }
}
