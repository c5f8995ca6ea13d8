import type { IdentityNames } from './names.js';

/**
 * The cluster ids that live tabs run nodes of, from the member locks they hold.
 *
 * Why locks and not the localStorage record alone: Chromium runs tabs in several renderer processes
 * and propagates localStorage writes between them asynchronously, so a tab that takes the formation
 * lock right after the founder let it go may not see the founder's record yet, and would bootstrap a
 * second cluster (the Chromium spec caught it). The lock manager is one, in the browser process: a
 * lock granted to one tab is in every other tab's `query()` from then on. So every running node holds
 * a lock naming its cluster id, the founder before it lets the formation lock go, and a forming tab
 * asks the lock manager first. The localStorage record remains for when no tab is live (then nothing
 * was written a moment ago).
 */
export async function liveClusterIds(locks: LockManager, names: IdentityNames): Promise<string[]> {
  const { held = [] } = await locks.query();
  const ids = new Set<string>();
  for (const lock of held) {
    const clusterId = lock.name === undefined ? null : names.clusterOfMemberLock(lock.name);
    if (clusterId !== null) ids.add(clusterId);
  }
  return [...ids];
}
