/**
 * A tab of `broadcast-channel`'s leader election (`?channel=<name>`), loaded by
 * e2e/pages/tab-failover-bench/broadcast-channel.html for bench/browser/tab-failover.ts. In Chromium
 * `createLeaderElection` takes a Web Lock (`navigator.locks` exists), and its unload handler lets the lock
 * go when the leader's page closes. Beside it, the floor: a plain exclusive Web Lock that the leader
 * tab holds and the others wait for, released only by the browser tearing the page down.
 * Runs in the page (not type-checked with the Node benchmark code, like the e2e pages).
 */
import { BroadcastChannel, createLeaderElection } from 'broadcast-channel';

const epochNow = (): number => performance.timeOrigin + performance.now();
const name = new URLSearchParams(location.search).get('channel') ?? 'bench';
const floorLock = `floor/${name}`;
const channel = new BroadcastChannel(name);
const elector = createLeaderElection(channel);
let leaderAt: number | null = null;
let floorAt: number | null = null;
const leading = elector.awaitLeadership().then(() => {
  leaderAt = epochNow();
  return leaderAt;
});
let floorGranted: (at: number) => void = () => undefined;
const floor = new Promise<number>((resolve) => {
  floorGranted = resolve;
});

(window as unknown as { bcTab: unknown }).bcTab = {
  isLeader: () => elector.isLeader,
  /** When this tab's `awaitLeadership()` resolved (null: not yet). */
  leaderAt: () => leaderAt,
  /** Resolves with that time once it is known (the benchmark waits on it rather than polling). */
  whenLeader: () => leading,
  /** Resolves with the time this tab was granted the floor lock. */
  whenFloor: () => floor,
  /** The leader takes the floor lock (free until then) and holds it for the page's lifetime. */
  holdFloor: () =>
    new Promise<boolean>((resolve) => {
      void navigator.locks.request(floorLock, { ifAvailable: true }, (lock) => {
        resolve(lock !== null);
        return lock ? new Promise(() => undefined) : undefined;
      });
    }),
  /** A follower queues for the floor lock; resolves once the lock manager lists `expected` requests. */
  queueFloor: async (expected: number) => {
    void navigator.locks.request(floorLock, () => {
      floorAt = epochNow();
      floorGranted(floorAt);
    });
    for (;;) {
      const { pending = [] } = await navigator.locks.query();
      if (pending.filter((lock) => lock.name === floorLock).length >= expected) return;
    }
  },
  /** When this tab was granted the floor lock (null: not yet). */
  floorAt: () => floorAt,
};
document.body.dataset.ready = 'true';
