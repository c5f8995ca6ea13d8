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

interface Waiter {
  mode: LockMode;
  grant: () => void;
}

/**
 * An in-process `LockManager` with the semantics this package relies on: exclusive and shared locks,
 * granted in request order (a shared request waits behind an earlier exclusive one; shared requests
 * at the head of the queue are granted together), `ifAvailable` granting null instead of waiting,
 * `signal` aborting a waiting request, the lock held until the callback's promise settles, and
 * `query()` listing held and waiting locks. `steal` is not modelled.
 */
export class FakeLockManager implements LockManager {
  #held = new Map<string, { mode: LockMode; count: number }>();
  #waiting = new Map<string, Waiter[]>();

  request<T>(name: string, callback: Grant): Promise<T>;
  request<T>(name: string, options: LockOptions, callback: Grant): Promise<T>;
  request<T>(name: string, a: LockOptions | Grant, b?: Grant): Promise<T> {
    return this.#request(null, name, a, b);
  }

  /**
   * This lock manager as one tab uses it: `crash()` frees every lock the tab holds, as the browser does
   * for a crashed tab, whatever the tab's callbacks were still waiting for.
   */
  tabView(): { locks: LockManager; crash(): void } {
    const holds = new Set<() => void>();
    const locks = {
      request: (name: string, a: LockOptions | Grant, b?: Grant) => this.#request(holds, name, a, b),
      query: () => this.query(),
    } as LockManager;
    return {
      locks,
      crash: () => {
        for (const free of [...holds]) free();
      },
    };
  }

  async #request<T>(
    holds: Set<() => void> | null,
    name: string,
    a: LockOptions | Grant,
    b?: Grant,
  ): Promise<T> {
    const options = typeof a === 'function' ? {} : a;
    const callback = (typeof a === 'function' ? a : b)!;
    if (options.steal) throw new Error('FakeLockManager: steal is not modelled');
    const mode: LockMode = options.mode ?? 'exclusive';
    options.signal?.throwIfAborted();
    if (!this.#grantable(name, mode)) {
      if (options.ifAvailable) return (await callback(null)) as T;
      await new Promise<void>((resolve, reject) => {
        const queue = this.#waiting.get(name) ?? [];
        const waiter: Waiter = { mode, grant: resolve };
        queue.push(waiter);
        this.#waiting.set(name, queue);
        options.signal?.addEventListener('abort', () => {
          const at = queue.indexOf(waiter);
          if (at < 0) return;
          queue.splice(at, 1);
          reject(options.signal!.reason);
          this.#pump(name);
        });
      });
    } else {
      this.#take(name, mode);
    }
    let free!: () => void;
    const freed = new Promise<void>((resolve) => {
      free = resolve;
    });
    holds?.add(free);
    try {
      return (await Promise.race([callback({ name, mode } as Lock), freed])) as T;
    } finally {
      holds?.delete(free);
      const held = this.#held.get(name)!;
      if (--held.count === 0) this.#held.delete(name);
      this.#pump(name);
    }
  }

  #grantable(name: string, mode: LockMode): boolean {
    const held = this.#held.get(name);
    if (!held) return (this.#waiting.get(name)?.length ?? 0) === 0;
    return mode === 'shared' && held.mode === 'shared' && (this.#waiting.get(name)?.length ?? 0) === 0;
  }

  #take(name: string, mode: LockMode): void {
    const held = this.#held.get(name);
    if (held) held.count++;
    else this.#held.set(name, { mode, count: 1 });
  }

  /** Grants the head of the queue once the lock is free (and every shared request right behind a shared head). */
  #pump(name: string): void {
    const queue = this.#waiting.get(name);
    while (queue && queue.length > 0) {
      const held = this.#held.get(name);
      const next = queue[0]!;
      if (held && !(held.mode === 'shared' && next.mode === 'shared')) return;
      queue.shift();
      this.#take(name, next.mode);
      next.grant();
    }
  }

  async query(): Promise<LockManagerSnapshot> {
    return {
      held: [...this.#held].map(([name, { mode }]) => ({ name, mode, clientId: 'fake' })),
      pending: [...this.#waiting].flatMap(([name, queue]) =>
        queue.map(({ mode }) => ({ name, mode, clientId: 'fake' })),
      ),
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
