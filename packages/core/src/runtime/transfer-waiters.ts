import { OutcomeUnknownError, type RaftError } from '../errors.js';
import type { RaftCore } from '../protocol/raft.js';
import type { NodeId } from '../protocol/types.js';
import type { Clock } from './clock.js';

interface Waiter {
  target: NodeId;
  resolve(): void;
  reject(error: RaftError): void;
  timer: unknown;
}

/**
 * Callers of `transferLeadership` waiting for the outcome (thesis 3.10): the target leads, another
 * node does, or this leader gave up and takes proposals again. A hard deadline makes sure every
 * caller hears back, even if the target dies mid-election and no leader emerges.
 */
export class TransferWaiters {
  private waiters: Waiter[] = [];

  constructor(private readonly clock: Clock) {}

  wait(target: NodeId, deadlineMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { target, resolve, reject, timer: undefined };
      waiter.timer = this.clock.setTimer(deadlineMs, () => {
        if (!this.remove(waiter)) return;
        reject(
          new OutcomeUnknownError(
            `leadership transfer to ${target} did not finish in time`,
            'TRANSFER_TIMEOUT',
          ),
        );
      });
      this.waiters.push(waiter);
    });
  }

  /** Looks at where `core` stands now and settles every transfer whose outcome is known. */
  settle(core: RaftCore): void {
    if (this.waiters.length === 0) return;
    for (const t of [...this.waiters]) {
      if (core.leader === t.target) {
        this.finish(t);
        t.resolve();
      } else if (core.role === 'leader' && core.status().transferee === null) {
        this.finish(t);
        t.reject(
          new OutcomeUnknownError(
            `leadership transfer to ${t.target} did not finish in time; this node still leads`,
            'TRANSFER_TIMEOUT',
          ),
        );
      } else if (core.role !== 'leader' && core.leader !== null) {
        this.finish(t);
        t.reject(
          new OutcomeUnknownError(`${core.leader} became leader instead of ${t.target}`, 'TRANSFER_FAILED'),
        );
      }
    }
  }

  /** The transport says `target` went away: a transfer to it cannot finish, so its callers hear so now. */
  targetGone(target: NodeId): void {
    for (const t of [...this.waiters]) {
      if (t.target !== target) continue;
      this.finish(t);
      t.reject(
        new OutcomeUnknownError(`${target} went away during the leadership transfer`, 'TRANSFER_FAILED'),
      );
    }
  }

  failAll(error: () => RaftError): void {
    for (const t of [...this.waiters]) {
      this.finish(t);
      t.reject(error());
    }
  }

  private finish(t: Waiter): void {
    this.remove(t);
    this.clock.clearTimer(t.timer);
  }

  private remove(t: Waiter): boolean {
    const i = this.waiters.indexOf(t);
    if (i < 0) return false;
    this.waiters.splice(i, 1);
    return true;
  }
}
