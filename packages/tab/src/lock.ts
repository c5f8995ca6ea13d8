/** An exclusive Web Lock this page holds until `release()`. */
export interface HeldLock {
  readonly name: string;
  /** Lets the lock go; resolves once the lock manager has released it. */
  release(): Promise<void>;
}

/**
 * Takes the exclusive lock `name` if no one holds it (`ifAvailable`), and holds it with a promise that
 * settles only on `release()`. Resolves with null when the lock is held elsewhere: nothing waits.
 */
export function tryHoldLock(locks: LockManager, name: string): Promise<HeldLock | null> {
  return holdExclusive(locks, name, true);
}

/**
 * Takes the exclusive lock `name`, waiting for it (for a lock that others only hold for a moment),
 * and holds it as `tryHoldLock` does.
 */
export function holdLock(locks: LockManager, name: string): Promise<HeldLock> {
  return holdExclusive(locks, name, false) as Promise<HeldLock>;
}

function holdExclusive(locks: LockManager, name: string, ifAvailable: boolean): Promise<HeldLock | null> {
  let letGo!: () => void;
  const holding = new Promise<void>((resolve) => {
    letGo = resolve;
  });
  return new Promise((resolve, reject) => {
    let granted = false;
    const request = locks.request(name, { mode: 'exclusive', ifAvailable }, (lock) => {
      if (lock === null) {
        resolve(null);
        return undefined;
      }
      granted = true;
      let released: Promise<void> | undefined;
      resolve({
        name,
        release: () => {
          letGo();
          released ??= request.then(() => undefined);
          return released;
        },
      });
      return holding;
    });
    request.catch((error: unknown) => {
      if (!granted) reject(error);
    });
  });
}
