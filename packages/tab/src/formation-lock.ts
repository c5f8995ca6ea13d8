/**
 * Runs `task` while holding the exclusive Web Lock `name`, waiting for it as long as another tab holds
 * it (no `ifAvailable`): tabs that open at the same instant form the cluster one after the other, so
 * at most one of them ever bootstraps. The browser frees the lock if the holder's tab dies.
 */
export function withFormationLock<T>(locks: LockManager, name: string, task: () => Promise<T>): Promise<T> {
  return locks.request(name, { mode: 'exclusive' }, () => task()) as Promise<T>;
}
