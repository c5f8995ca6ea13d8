import type { RaftInterface } from '@webraft/core';

/** What the status line says about this tab's own node and its edits. */
export function statusText(node: RaftInterface, pending: number): string {
  const role = node.state;
  const facts = `term ${node.term}, commit index ${node.commitIndex}`;
  const waiting = pending > 0 ? `; ${pending} edit${pending === 1 ? '' : 's'} in flight` : '';
  if (role === 'stopped' || role === 'failed' || role === 'removed') return `This tab's node is ${role}.`;
  const { voters, learners } = node.members;
  if (!voters.includes(node.address) && !learners.includes(node.address)) {
    return `Not a member yet — waiting for the cluster's leader to add this tab; edits wait${waiting}`;
  }
  if (node.leader === null) return `No leader — edits wait (${role}, ${facts})${waiting}`;
  const who = role === 'leader' ? 'Leader (this tab)' : role === 'follower' ? 'Follower' : role;
  return `${who}, ${facts}${waiting}`;
}
