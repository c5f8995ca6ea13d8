import { majority } from '../protocol/quorum.js';
import type { NodeId } from '../protocol/types.js';

/**
 * `memberTimeout`: which voter, if any, the leader should remove because it has not heard from it for
 * longer than `timeout`. Only one at a time, and only while the voters it does hear from are a
 * majority now and would still be one without that voter: otherwise half a cluster could shrink the
 * cluster down to itself.
 */
export function unreachableVoterToRemove(
  voters: readonly NodeId[],
  self: NodeId,
  lastHeardAt: (id: NodeId) => number | undefined,
  now: number,
  timeout: number,
): NodeId | null {
  const reachable = (id: NodeId) => id === self || now - (lastHeardAt(id) ?? now) <= timeout;
  const gone = voters.find((id) => !reachable(id));
  if (gone === undefined) return null;
  if (voters.filter(reachable).length < majority(voters.length)) return null;
  const remaining = voters.filter((id) => id !== gone);
  if (remaining.filter(reachable).length < majority(remaining.length)) return null;
  return gone;
}
