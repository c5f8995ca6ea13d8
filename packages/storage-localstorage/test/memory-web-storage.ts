/**
 * A Web Storage (`Storage`) in memory for Node tests, with the two failures a browser's has: a quota
 * (counted as browsers do, in UTF-16 bytes of keys and values) and a crash after the k-th write (every
 * `setItem`/`removeItem` after it throws, and `revive()` is the page loaded again over what was written).
 */
export class MemoryWebStorage implements Storage {
  #items: Map<string, string>;
  #quotaBytes: number;
  #writesLeft = Number.POSITIVE_INFINITY;
  /** `setItem`/`removeItem` calls that took effect. */
  writes = 0;

  constructor(options: { quotaBytes?: number; items?: Map<string, string> } = {}) {
    this.#items = options.items ?? new Map();
    this.#quotaBytes = options.quotaBytes ?? Number.POSITIVE_INFINITY;
  }

  /** From now on, `k` more writes take effect; the one after throws, as does every later one. */
  crashAfter(k: number): void {
    this.#writesLeft = k;
  }

  /** A new Storage over what was written before the crash (the page reloaded); no crash pending. */
  revive(): MemoryWebStorage {
    return new MemoryWebStorage({ quotaBytes: this.#quotaBytes, items: new Map(this.#items) });
  }

  /** A copy of every key and value. */
  dump(): Map<string, string> {
    return new Map(this.#items);
  }

  get length(): number {
    return this.#items.size;
  }
  key(index: number): string | null {
    return [...this.#items.keys()][index] ?? null;
  }
  getItem(key: string): string | null {
    return this.#items.get(String(key)) ?? null;
  }
  setItem(key: string, value: string): void {
    this.#write();
    const k = String(key);
    const v = String(value);
    const old = this.#items.get(k);
    const bytes =
      this.bytes() - (old === undefined ? 0 : (k.length + old.length) * 2) + (k.length + v.length) * 2;
    if (bytes > this.#quotaBytes) {
      throw new DOMException(`setting ${k} exceeded the quota`, 'QuotaExceededError');
    }
    this.#items.set(k, v);
    this.writes++;
  }
  removeItem(key: string): void {
    this.#write();
    this.#items.delete(String(key));
    this.writes++;
  }
  clear(): void {
    this.#write();
    this.#items.clear();
    this.writes++;
  }

  /** UTF-16 bytes of every key and value. */
  bytes(): number {
    let bytes = 0;
    for (const [k, v] of this.#items) bytes += (k.length + v.length) * 2;
    return bytes;
  }

  #write(): void {
    if (this.#writesLeft <= 0) throw new Error('crashed: the page is gone');
    this.#writesLeft--;
  }
}
