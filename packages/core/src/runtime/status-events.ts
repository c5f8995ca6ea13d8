import type { Emitter } from 'nanoevents';
import type { RaftCore, RaftStatus } from '../protocol/raft.js';
import type { ClusterConfig, NodeId } from '../protocol/types.js';
import type { RaftEvents } from './events.js';

/**
 * The events that report where the node stands: role changes, elections (`state changed`, `leader`,
 * `candidate`, `follower`, `heartbeat timeout`, `start election`) and the members that joined or left
 * (`join`, `leave`) as configurations apply.
 */
export class StatusEvents {
  private last: RaftStatus | null = null;
  /** `RaftCore.electionsStarted` when events were last reported. */
  private electionsReported = 0;
  /** The configuration as of the last applied entry (what `join` and `leave` events were reported against). */
  private lastConfig: ClusterConfig = { voters: [], learners: [] };
  /**
   * This node was removed (a `leave` of its address, or `memberTimeout`): it applied a configuration
   * without itself after one with it, or it restarted with a log whose latest configuration lacks it.
   * Cleared as soon as its latest configuration holds it again (a new `join`, or a truncated removal).
   */
  removed = false;

  /** `onLeaderKnown`: a new leader became known (requests waiting for one can be sent). */
  constructor(
    private readonly id: NodeId,
    private readonly events: Emitter<RaftEvents>,
    private readonly onLeaderKnown: () => void,
  ) {}

  /**
   * Starts from where a node stands after loading storage: `config` as applied, `core`'s status.
   * A node gets log entries only once it is a member, so a log whose latest configuration lacks it
   * means it was removed (its commit index, not durable, may not show the removal applied yet).
   */
  start(core: RaftCore, config: ClusterConfig): void {
    this.lastConfig = config;
    this.last = core.status();
    this.removed = this.last.lastIndex > 0 && !isMember(core.membership.config, this.id);
  }

  /** Emits the events for what changed in `core` since the last call. */
  report(core: RaftCore): void {
    if (this.removed && isMember(core.membership.config, this.id)) this.removed = false;
    const prev = this.last!;
    const elections = core.electionsStarted;
    if (
      prev.role === core.role &&
      prev.term === core.term &&
      prev.leader === core.leader &&
      elections === this.electionsReported
    )
      return;
    const now = core.status();
    this.last = now;
    // Once per election, a pre-vote and the vote after it included; also for a candidate that tries again.
    const newElection = elections !== this.electionsReported;
    this.electionsReported = elections;
    if (now.leader !== prev.leader && now.leader !== null) this.onLeaderKnown();
    if (now.leader !== prev.leader || now.term !== prev.term)
      this.events.emit('leader changed', now.leader, now.term);
    if (newElection && prev.role === 'follower') this.events.emit('heartbeat timeout');
    if (newElection) this.events.emit('start election');
    if (prev.role === now.role) return;
    this.events.emit('state changed', now.role, prev.role);
    if (now.role === 'leader') this.events.emit('leader');
    else if (now.role === 'candidate') this.events.emit('candidate');
    else if (now.role === 'follower') this.events.emit('follower');
  }

  /**
   * `join` and `leave` fire on every member when a configuration applies: from a configuration entry,
   * or from a snapshot installed from the leader (which may skip several changes at once).
   */
  reportMembership(next: ClusterConfig): void {
    const prev = this.lastConfig;
    const before = new Set([...prev.voters, ...prev.learners]);
    const after = new Set([...next.voters, ...next.learners]);
    for (const id of after) if (!before.has(id)) this.events.emit('join', id);
    for (const id of before) if (!after.has(id)) this.events.emit('leave', id);
    this.lastConfig = next;
    if (before.has(this.id) && !after.has(this.id) && !this.removed) {
      this.removed = true;
      this.events.emit('removed');
    }
  }
}

function isMember(config: ClusterConfig, id: NodeId): boolean {
  return config.voters.includes(id) || config.learners.includes(id);
}
