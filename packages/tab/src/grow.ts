import type { HostedNode } from './hosted-node.js';

/**
 * Growing the cluster: while `node` leads, it adds every peer its transport reports present that is
 * not a member yet, with `join(id)`, one at a time (the core changes the configuration one server at a
 * time). It looks when a peer appears, when it becomes leader, and every `intervalMs` (a peer seen
 * while another node led, or whose join failed, is picked up again). Joins are idempotent in the core,
 * so a peer added twice, or by two leaders of successive terms, changes nothing.
 */
export class Grower {
  readonly #node: HostedNode;
  readonly #timer: ReturnType<typeof setInterval>;
  readonly #offLeader: () => void;
  #joining = false;
  #stopped = false;

  constructor(node: HostedNode, intervalMs: number) {
    this.#node = node;
    this.#offLeader = node.raft.listen('leader', () => this.scan());
    this.#timer = setInterval(() => this.scan(), intervalMs);
  }

  /** Adds present non-members if this node leads; a scan already running picks up what it finds. */
  scan(): void {
    if (this.#joining || this.#stopped || this.#node.raft.state !== 'leader') return;
    const next = [...this.#node.present].find((id) => !this.#node.isMember(id));
    if (next === undefined) return;
    this.#joining = true;
    this.#node.raft
      .join(next)
      .catch(() => undefined) // retried on the next scan, by this leader or the next one
      .finally(() => {
        this.#joining = false;
        this.scan();
      });
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#offLeader();
  }
}
