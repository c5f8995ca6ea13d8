/**
 * TEST DOUBLES for the Node unit tests only: Node has no sessionStorage, localStorage or Web Locks.
 * The Chromium spec (e2e/tab-identity.spec.ts) runs the package on the real ones, unmocked.
 */
import { ScratchStorage } from '../src/scratch-storage.js';

/** An in-memory `Storage` (one per simulated tab for sessionStorage, one per origin for localStorage). */
export class MemoryStore extends ScratchStorage {
  /** What a duplicated tab starts with: a copy of this tab's sessionStorage. */
  copy(): MemoryStore {
    const copy = new MemoryStore();
    for (let i = 0; i < this.length; i++) {
      const key = this.key(i) as string;
      copy.setItem(key, this.getItem(key) as string);
    }
    return copy;
  }
}

type Grant = (lock: Lock | null) => unknown;

/**
 * An in-process `LockManager` with the semantics this package relies on: exclusive locks, granted in
 * request order, `ifAvailable` granting null instead of waiting, the lock held until the callback's
 * promise settles, and `query()` listing held locks. Shared and `steal` modes are not modelled.
 */
export class FakeLockManager implements LockManager {
  #held = new Set<string>();
  #waiting = new Map<string, (() => void)[]>();

  request<T>(name: string, callback: Grant): Promise<T>;
  request<T>(name: string, options: LockOptions, callback: Grant): Promise<T>;
  async request<T>(name: string, a: LockOptions | Grant, b?: Grant): Promise<T> {
    const options = typeof a === 'function' ? {} : a;
    const callback = (typeof a === 'function' ? a : b)!;
    if (options.mode === 'shared' || options.steal) throw new Error('FakeLockManager: not modelled');
    if (this.#held.has(name)) {
      if (options.ifAvailable) return (await callback(null)) as T;
      await new Promise<void>((resolve) => {
        const queue = this.#waiting.get(name) ?? [];
        queue.push(resolve);
        this.#waiting.set(name, queue);
      });
    }
    this.#held.add(name);
    try {
      return (await callback({ name, mode: 'exclusive' } as Lock)) as T;
    } finally {
      const next = this.#waiting.get(name)?.shift();
      if (next) next();
      else this.#held.delete(name);
    }
  }

  async query(): Promise<LockManagerSnapshot> {
    return {
      held: [...this.#held].map((name) => ({ name, mode: 'exclusive' as const, clientId: 'fake' })),
      pending: [],
    };
  }

  isHeld(name: string): boolean {
    return this.#held.has(name);
  }
}

/**
 * localStorage as Chromium gives it to tabs in different renderer processes: one tab's writes reach
 * the others only `lagMs` later (its own at once). `view()` is one tab's `localStorage`.
 */
export class LaggingStorage {
  readonly #writes: { key: string; value: string | null; by: object; at: number }[] = [];
  constructor(readonly lagMs: number) {}

  view(): Storage {
    const self = {};
    const visible = (): Map<string, string> => {
      const now = Date.now();
      const items = new Map<string, string>();
      for (const write of this.#writes) {
        if (write.by !== self && now - write.at < this.lagMs) continue;
        if (write.value === null) items.delete(write.key);
        else items.set(write.key, write.value);
      }
      return items;
    };
    const write = (key: string, value: string | null) =>
      this.#writes.push({ key, value, by: self, at: Date.now() });
    return {
      get length() {
        return visible().size;
      },
      key: (index: number) => [...visible().keys()][index] ?? null,
      getItem: (key: string) => visible().get(key) ?? null,
      setItem: (key: string, value: string) => write(key, String(value)),
      removeItem: (key: string) => write(key, null),
      clear: () => {
        for (const key of visible().keys()) write(key, null);
      },
    };
  }
}
