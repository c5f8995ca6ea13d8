import type { AllDataStorage } from '../local-storage.js';
import { encodeOrFail, KeyExistsError } from './write-once.js';

/** An AllData storage in memory (tests, benchmarks, a demo without persistence). Events are stored as JSON. */
export class MemoryAllDataStorage implements AllDataStorage {
  readonly #events = new Map<string, string>();

  put(key: string, event: unknown, callback: (error?: unknown) => void): void {
    const json = encodeOrFail(event, callback);
    if (json === undefined) return;
    const stored = this.#events.get(key);
    if (stored !== undefined && stored !== json) {
      callback(new KeyExistsError(key));
      return;
    }
    this.#events.set(key, json);
    callback();
  }

  /** The event stored under `key` (a fresh copy), or undefined. */
  get(key: string): unknown {
    const json = this.#events.get(key);
    return json === undefined ? undefined : JSON.parse(json);
  }

  has(key: string): boolean {
    return this.#events.has(key);
  }

  keys(): string[] {
    return [...this.#events.keys()];
  }

  get size(): number {
    return this.#events.size;
  }
}
