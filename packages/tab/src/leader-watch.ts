import type { RaftInterface } from '@webraft/core';
import type { IdentityNames } from './names.js';

/**
 * Tells a node at once when its leader's tab is gone, instead of letting it wait for its election
 * timeout (README, Failover).
 *
 * Every node holds its *liveness lock* (exclusive) from before it starts until it has stopped, and
 * the browser frees a closed or crashed tab's locks. A follower asks for its leader's liveness lock in
 * `shared` mode, waiting: the request is granted once the holder is gone (all waiting followers at
 * once), and the follower tells its node with `leaderGone(leader, term)`, then lets the lock go at
 * once. The term makes a late grant harmless: the core ignores a hint about another term or leader,
 * such as one about the old process of an identity that a tab adopted since.
 *
 * Only a leader in this browser is watched: one whose liveness lock is held when the follower looks
 * (`query()`). A leader on another device (a transport beyond the browser) holds no lock here, and a
 * request for its lock would be granted at once, a false alarm each time.
 *
 * Not stolen, and nobody blocked: a node that starts (a reload, an adoption) asks for its own
 * liveness lock waiting, so it merely queues behind followers that hold it for a moment. The
 * identity locks, taken with `ifAvailable` by claims and adoption, are not touched.
 */
export class LeaderWatch {
  readonly #raft: RaftInterface;
  readonly #locks: LockManager;
  readonly #names: IdentityNames;
  #watching: AbortController | null = null;
  readonly #unlisten: () => void;

  constructor(raft: RaftInterface, locks: LockManager, names: IdentityNames) {
    this.#raft = raft;
    this.#locks = locks;
    this.#names = names;
    this.#unlisten = raft.listen('leader changed', (leader, term) => this.#watch(leader, term));
  }

  stop(): void {
    this.#unlisten();
    this.#watching?.abort();
    this.#watching = null;
  }

  #watch(leader: string | null, term: number): void {
    this.#watching?.abort();
    this.#watching = null;
    if (leader === null || leader === this.#raft.address) return;
    const watching = new AbortController();
    this.#watching = watching;
    const name = this.#names.livenessLock(leader);
    void this.#heldHere(name)
      .then((held) => {
        if (!held || watching.signal.aborted) return;
        return this.#locks.request(name, { mode: 'shared', signal: watching.signal }, () => {
          if (!watching.signal.aborted) this.#raft.leaderGone(leader, term);
        });
      })
      .catch(() => undefined); // aborted: the leader or the term changed first, or the node stopped
  }

  async #heldHere(name: string): Promise<boolean> {
    const { held = [] } = await this.#locks.query();
    return held.some((lock) => lock.name === name);
  }
}
