import { adoptIdentity } from './adopt.js';
import type { HostedNode } from './hosted-node.js';
import type { TabIdentity } from './identity.js';
import { type ListIdentitiesOptions, listIdentities } from './list.js';
import { ScratchStorage } from './scratch-storage.js';

export interface RecoveryContext extends ListIdentitiesOptions {
  lifecycle: EventTarget | null;
  /** The nodes this tab hosts now. */
  hosted(): readonly HostedNode[];
  /** Starts an adopted identity's node from its storage; null when it is no use (another cluster, removed). */
  host(identity: TabIdentity): Promise<HostedNode | null>;
}

/** The voters of the latest configurations this tab's running nodes know (their union). */
export function knownVoters(nodes: readonly HostedNode[]): string[] {
  const voters = new Set<string>();
  for (const node of nodes) {
    if (node.raft.state === 'removed' || node.raft.state === 'stopped' || node.raft.state === 'failed')
      continue;
    for (const id of node.raft.members.voters) voters.add(id);
  }
  return [...voters];
}

const majority = (count: number) => Math.floor(count / 2) + 1;

/**
 * Keeps the cluster writable when its tabs have closed: while fewer than a majority of the known
 * voters are held by a live tab (their Web Lock, `listIdentities`), adopts free voter identities that
 * still have their data, and runs them here. Each adoption is that node restarting from its own
 * durable state, which Raft allows; the identity lock makes sure no other tab runs it meanwhile.
 * With no known voters yet (a fresh tab whose cluster's tabs are all closed), any free identity with
 * data is tried; it tells the voters once started. Returns the nodes it started.
 *
 * The quorum is checked from the locks alone (one `query()`), and `hasData` is asked only about an
 * identity this round would adopt: a round runs when a peer says goodbye, which is while the
 * survivors fail over, and asking about every identity then opened each one's database (an IndexedDB
 * open and read per identity, in every surviving tab) beside the votes and first entries being written
 * (README, Failover benchmark).
 */
export async function adoptUntilQuorum(context: RecoveryContext): Promise<HostedNode[]> {
  const started: HostedNode[] = [];
  const { hasData, ...withoutData } = context;
  const listed = await listIdentities(withoutData);
  const held = new Set(listed.filter((entry) => entry.held).map((entry) => entry.id));
  const tried = new Set<string>();
  const hasQuorum = (voters: string[]) =>
    voters.length > 0 && voters.filter((id) => held.has(id)).length >= majority(voters.length);
  for (let progress = true; progress; ) {
    progress = false;
    for (const candidate of listed) {
      const voters = knownVoters(context.hosted());
      if (hasQuorum(voters)) return started;
      if (tried.has(candidate.id) || candidate.held || candidate.lost) continue;
      if (voters.length > 0 && !voters.includes(candidate.id)) continue;
      tried.add(candidate.id);
      if (!hasData || !(await hasData(candidate.id))) continue;
      let identity: TabIdentity;
      try {
        identity = await adoptIdentity({
          cluster: context.cluster,
          namespace: context.namespace,
          hasData: context.hasData,
          records: context.records,
          locks: context.locks,
          lifecycle: context.lifecycle,
          storage: new ScratchStorage(),
          id: candidate.id,
        });
      } catch {
        continue; // taken by another tab meanwhile, or its data is gone
      }
      const node = await context.host(identity);
      if (node === null) continue;
      held.add(candidate.id);
      started.push(node);
      progress = true;
    }
  }
  return started;
}
