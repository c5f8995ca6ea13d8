import type { HostedNode } from './hosted-node.js';
import { type HeldLock, tryHoldLock } from './lock.js';
import type { IdentityNames } from './names.js';

/** Where the page says it was hidden (`document`). */
export interface VisibilitySource extends EventTarget {
  readonly visibilityState: DocumentVisibilityState;
}

export interface HandoffOptions {
  /** The nodes this tab hosts now. */
  hosted: () => readonly HostedNode[];
  visibility: VisibilitySource | null;
  lifecycle: EventTarget | null;
  locks: LockManager;
  names: IdentityNames;
}

/**
 * Handoff: when this tab becomes hidden (`visibilitychange`) or its page goes away (`pagehide`), every
 * node it hosts that leads transfers leadership first (`transferLeadership`) to a voter of another tab
 * that its transport sees present, a visible one if there is one. A hidden tab's timers are throttled
 * (and it may be frozen or discarded next), so a leader there would slow every commit, then cost an
 * election timeout; a visible tab's node takes over at once instead.
 *
 * Which tabs are visible: each tab holds a "visible" Web Lock per hosted node while its page is
 * visible, and a hidden tab asks the lock manager (`query()`, the same in every tab at once). On
 * `pagehide` there is no time to ask: the page may be gone before the answer, so any present voter of
 * another tab is taken.
 */
export class Handoff {
  readonly #options: HandoffOptions;
  readonly #visibleLocks = new Map<string, Promise<HeldLock | null>>();
  readonly #unlisten = new Map<HostedNode, () => void>();

  constructor(options: HandoffOptions) {
    this.#options = options;
    options.visibility?.addEventListener('visibilitychange', this.#onVisibility);
    options.lifecycle?.addEventListener('pagehide', this.#onPageHide);
  }

  /**
   * A node this tab now hosts: its visible lock is held while the page is visible. A node that wins an
   * election while its page is hidden (the followers of a crashed leader elect whoever is first, see
   * leader-watch.ts) hands off at once to a voter of a visible tab, if there is one.
   */
  track(node: HostedNode): void {
    if (this.#visible()) this.#holdVisible(node.id);
    this.#unlisten.set(
      node,
      node.raft.listen('leader', () => {
        if (this.#options.visibility === null || this.#visible()) return;
        void this.#visibleElsewhere().then((visible) => this.#handOff(visible, true));
      }),
    );
  }

  /** A node this tab no longer hosts. */
  untrack(node: HostedNode): void {
    this.#unlisten.get(node)?.();
    this.#unlisten.delete(node);
    this.#letGoVisible(node.id);
  }

  stop(): void {
    for (const unlisten of this.#unlisten.values()) unlisten();
    this.#unlisten.clear();
    this.#options.visibility?.removeEventListener('visibilitychange', this.#onVisibility);
    this.#options.lifecycle?.removeEventListener('pagehide', this.#onPageHide);
    for (const id of [...this.#visibleLocks.keys()]) this.#letGoVisible(id);
  }

  #visible(): boolean {
    return this.#options.visibility?.visibilityState === 'visible';
  }

  #holdVisible(id: string): void {
    if (this.#visibleLocks.has(id)) return;
    const name = this.#options.names.visibleLockPrefix + encodeURIComponent(id);
    this.#visibleLocks.set(id, tryHoldLock(this.#options.locks, name));
  }

  #letGoVisible(id: string): void {
    const lock = this.#visibleLocks.get(id);
    this.#visibleLocks.delete(id);
    void lock?.then((held) => held?.release());
  }

  readonly #onVisibility = (): void => {
    if (this.#visible()) {
      for (const node of this.#options.hosted()) this.#holdVisible(node.id);
      return;
    }
    for (const id of [...this.#visibleLocks.keys()]) this.#letGoVisible(id);
    void this.#visibleElsewhere().then((visible) => this.#handOff(visible));
  };

  readonly #onPageHide = (): void => this.#handOff(null);

  /** The node ids whose tabs hold a visible lock (this tab's were let go when it was hidden). */
  async #visibleElsewhere(): Promise<Set<string>> {
    const { held = [] } = await this.#options.locks.query();
    const prefix = this.#options.names.visibleLockPrefix;
    const ids = new Set<string>();
    for (const { name } of held) {
      if (!name?.startsWith(prefix)) continue;
      try {
        ids.add(decodeURIComponent(name.slice(prefix.length)));
      } catch {
        // not a name this package made
      }
    }
    return ids;
  }

  /**
   * Each hosting leader transfers to a present voter of another tab, a visible one first;
   * `onlyVisible`: to a visible one or not at all (else two hidden tabs would pass it back and forth).
   */
  #handOff(visible: Set<string> | null, onlyVisible = false): void {
    const nodes = this.#options.hosted();
    const here = new Set(nodes.map((node) => node.id));
    for (const node of nodes) {
      if (node.raft.state !== 'leader') continue;
      const candidates = node.raft.members.voters.filter((id) => !here.has(id) && node.present.has(id));
      const target = candidates.find((id) => visible?.has(id)) ?? (onlyVisible ? undefined : candidates[0]);
      if (target !== undefined) node.raft.transferLeadership(target).catch(() => undefined);
    }
  }
}
