import type { RaftInterface } from '@webraft/core';

/** Milliseconds since the epoch, sub-millisecond: comparable across tabs and with the benchmark's Node process. */
export const epochNow = (): number => performance.timeOrigin + performance.now();

/** A commit of this tab's node as leader of `term`, and when it was acknowledged. */
export interface LeaderCommit {
  term: number;
  at: number;
}

/**
 * What the failover benchmark (bench/browser/tab-failover.ts) reads from the tabs that survive:
 * - `pagehideAt`: when a tab of the cluster heard `pagehide` (a closing tab cannot be asked afterwards,
 *   so it tells the others on a BroadcastChannel of its own, apart from the cluster's);
 * - `leaderCommits`: each time this tab's node becomes leader it proposes an edit at once, as an app
 *   with a pending edit would, and notes when the edit was committed and applied here.
 */
export class FailoverMarks {
  readonly #channel: BroadcastChannel;
  #pagehideAt: number | null = null;
  readonly #leaderCommits: LeaderCommit[] = [];
  readonly #onCommit = new Set<() => void>();

  constructor(cluster: string) {
    this.#channel = new BroadcastChannel(`failover-marks/${cluster}`);
    this.#channel.onmessage = (event: MessageEvent<{ pagehideAt: number }>) => {
      this.#pagehideAt = event.data.pagehideAt;
    };
    addEventListener('pagehide', () => this.#channel.postMessage({ pagehideAt: epochNow() }));
  }

  watch(node: RaftInterface): void {
    node.listen('leader', () => {
      const term = node.term;
      node.propose('count').then(
        () => {
          this.#leaderCommits.push({ term, at: epochNow() });
          for (const wake of this.#onCommit) wake();
        },
        () => undefined, // deposed before it committed: the next leader's commit is the one measured
      );
    });
  }

  /**
   * Resolves with this tab's first commit as leader of a term after `term`, once there is one: the
   * benchmark waits on it instead of polling the page, which would take the page's main thread (and
   * the browser's) while the failover runs.
   */
  commitAfter(term: number): Promise<LeaderCommit> {
    return new Promise((resolve) => {
      const check = () => {
        const commit = this.#leaderCommits.find((c) => c.term > term);
        if (!commit) return;
        this.#onCommit.delete(check);
        resolve(commit);
      };
      this.#onCommit.add(check);
      check();
    });
  }

  read(): { pagehideAt: number | null; leaderCommits: LeaderCommit[] } {
    return { pagehideAt: this.#pagehideAt, leaderCommits: [...this.#leaderCommits] };
  }
}

/** How many requests wait for node `id`'s liveness lock (packages/tab/src/leader-watch.ts): its followers watching it. */
export async function livenessWatchers(id: string): Promise<number> {
  const suffix = `/alive/${encodeURIComponent(id)}`;
  const { pending = [] } = await navigator.locks.query();
  return pending.filter((lock) => lock.name?.endsWith(suffix)).length;
}
