declare function queueMicrotask(callback: () => void): void;

/**
 * Listeners called while a node applies: one that throws must not make `apply` throw (that would be
 * a local failure the other nodes do not share), so its error goes to `onError`, by default thrown
 * again in a microtask, where the platform reports it as uncaught.
 */
export class Listeners<T> {
  private list: ((event: T) => void)[] = [];

  constructor(private readonly onError: (error: unknown) => void = rethrowLater) {}

  add(listener: (event: T) => void): () => void {
    this.list = [...this.list, listener];
    return () => {
      this.list = this.list.filter((l) => l !== listener);
    };
  }

  get size(): number {
    return this.list.length;
  }

  emit(event: T): void {
    // The array is replaced, never changed: a listener that unsubscribes does not skip the next one.
    for (const listener of this.list) {
      try {
        listener(event);
      } catch (error) {
        this.onError(error);
      }
    }
  }
}

function rethrowLater(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}
