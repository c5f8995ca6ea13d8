/**
 * The part of the Web Locks API a `WebLocksLeaderFeed` uses (exclusive `request` with `ifAvailable`),
 * for Node, which has no `navigator.locks`: one instance stands for one origin's lock manager. Chromium's
 * real one is exercised by `e2e/leaderfeed.spec.ts`.
 */
export class MemoryLockManager {
  private readonly held = new Set<string>();

  request(
    name: string,
    options: LockOptions,
    callback: (lock: Lock | null) => Promise<unknown> | unknown,
  ): Promise<unknown> {
    if (options.mode === 'shared' || !options.ifAvailable || options.steal) {
      return Promise.reject(new Error('MemoryLockManager supports exclusive ifAvailable requests only'));
    }
    if (this.held.has(name)) return Promise.resolve(callback(null));
    this.held.add(name);
    return (async () => {
      try {
        return await callback({ name, mode: 'exclusive' } as Lock);
      } finally {
        this.held.delete(name);
      }
    })();
  }

  isHeld(name: string): boolean {
    return this.held.has(name);
  }

  asLockManager(): LockManager {
    return this as unknown as LockManager;
  }
}
