/** A minimal typed event emitter (`on`/`off`/`once`), the same in browsers and Node. */
// biome-ignore lint/suspicious/noExplicitAny: listener parameter lists vary per event
export class Emitter<Events extends { [K in keyof Events]: (...args: any[]) => void }> {
  readonly #listeners = new Map<keyof Events, Set<Events[keyof Events]>>();

  on<K extends keyof Events>(type: K, listener: Events[K]): this {
    let set = this.#listeners.get(type);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(type, set);
    }
    set.add(listener);
    return this;
  }

  off<K extends keyof Events>(type: K, listener: Events[K]): this {
    this.#listeners.get(type)?.delete(listener);
    return this;
  }

  once<K extends keyof Events>(type: K, listener: Events[K]): this {
    const wrapper = ((...args: Parameters<Events[K]>) => {
      this.off(type, wrapper);
      listener(...args);
    }) as Events[K];
    return this.on(type, wrapper);
  }

  listenerCount(type: keyof Events): number {
    return this.#listeners.get(type)?.size ?? 0;
  }

  /** Calls each listener in the order added; returns whether there was any. A throwing listener propagates. */
  protected emit<K extends keyof Events>(type: K, ...args: Parameters<Events[K]>): boolean {
    const set = this.#listeners.get(type);
    if (set === undefined || set.size === 0) return false;
    for (const listener of [...set]) listener(...args);
    return true;
  }
}
