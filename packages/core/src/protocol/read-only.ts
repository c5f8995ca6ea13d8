import { hasQuorum } from './quorum.js';
import type { NodeId } from './types.js';

/**
 * ReadIndex bookkeeping (thesis 6.4). A read request records the commit index at the time it arrived;
 * the leader then confirms it is still the leader with a heartbeat round carrying the request's
 * context. Once a quorum of voters answers, that request and every earlier one can be served at
 * their recorded index.
 */
export interface PendingRead {
  context: string;
  index: number;
  /** Who asked: this node, or a follower that gets a readIndexResponse. */
  from: NodeId;
  acks: Set<NodeId>;
}

export class ReadOnlyQueue {
  private queue: PendingRead[] = [];
  private byContext = new Map<string, PendingRead>();

  add(context: string, index: number, from: NodeId, self: NodeId): void {
    if (this.byContext.has(context)) return;
    const read: PendingRead = { context, index, from, acks: new Set([self]) };
    this.queue.push(read);
    this.byContext.set(context, read);
  }

  /**
   * A heartbeat answer for `context` from `from`. Returns the reads it confirms (in order), or [].
   */
  ack(context: string, from: NodeId, voters: readonly NodeId[]): PendingRead[] {
    const read = this.byContext.get(context);
    if (!read) return [];
    read.acks.add(from);
    if (!hasQuorum(voters, (id) => read.acks.has(id))) return [];
    const end = this.queue.indexOf(read) + 1;
    const released = this.queue.splice(0, end);
    for (const r of released) this.byContext.delete(r.context);
    return released;
  }

  /** The newest unconfirmed context, which a heartbeat round confirms together with all earlier ones. */
  lastContext(): string | undefined {
    return this.queue[this.queue.length - 1]?.context;
  }

  /** Drops everything (leadership lost). Returns what was dropped. */
  clear(): PendingRead[] {
    const dropped = this.queue;
    this.queue = [];
    this.byContext.clear();
    return dropped;
  }
}
