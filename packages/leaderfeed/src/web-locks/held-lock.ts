/** An exclusive Web Lock this feed holds until `release()`; `lost` turns true if it was stolen. */
export interface HeldLock {
  /** Resolves once the lock manager has freed the lock. */
  release(): Promise<void>;
  readonly lost: boolean;
}

/**
 * Takes the exclusive lock `name` if it is free now (`ifAvailable`: a feed never queues for it, so a
 * grant cannot arrive after the feed stopped wanting it). Resolves null when another holds it. The lock
 * is held until `release()`, or until the tab goes away: the browser releases a closed or crashed tab's
 * locks itself.
 */
export function acquireLock(locks: LockManager, name: string): Promise<HeldLock | null> {
  return new Promise((resolve, reject) => {
    let granted = false;
    let release!: () => void;
    const released = new Promise<void>((r) => {
      release = r;
    });
    let freed: Promise<void> = Promise.resolve();
    const held = {
      lost: false,
      release: () => {
        release();
        return freed;
      },
    };
    freed = locks
      .request(name, { mode: 'exclusive', ifAvailable: true }, async (lock) => {
        if (!lock) {
          resolve(null);
          return;
        }
        granted = true;
        resolve(held);
        await released;
      })
      .then(
        () => {},
        (error: unknown) => {
          // Before the grant: the request failed. After it: another request stole the lock.
          if (granted) held.lost = true;
          else reject(error);
        },
      );
  });
}
