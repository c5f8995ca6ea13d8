import { describe, expect, it, vi } from 'vitest';
import type { HostedNode } from '../src/hosted-node.js';
import { claimTabIdentity, type TabIdentity } from '../src/index.js';
import { adoptUntilQuorum } from '../src/recover.js';
import { Origin } from './helpers.js';

/** A node this tab runs, as the adoption round reads it: a follower knowing these voters. */
const hostedWith = (voters: string[]) =>
  ({ raft: { state: 'follower', members: { voters } } }) as unknown as HostedNode;

/** Three identities of cluster c1 that wrote data; the first `free` of them have had their tabs closed. */
async function threeVoters(origin: Origin, free: number): Promise<TabIdentity[]> {
  const identities: TabIdentity[] = [];
  for (let i = 0; i < 3; i++) {
    const identity = await claimTabIdentity(origin.tab().options());
    identity.usage.markUsed();
    identities.push(identity);
  }
  for (const identity of identities.slice(0, free)) await identity.release();
  return identities;
}

describe('adoptUntilQuorum', () => {
  it('a quorum held by live tabs: no hasData call (no database opened while the survivors fail over)', async () => {
    const origin = new Origin();
    const identities = await threeVoters(origin, 1);
    const hasData = vi.fn(async () => true);
    const host = vi.fn(async () => null);
    const started = await adoptUntilQuorum({
      cluster: 'c1',
      records: origin.records,
      locks: origin.locks,
      hasData,
      lifecycle: null,
      hosted: () => [hostedWith(identities.map((i) => i.id))],
      host,
    });
    expect(started).toEqual([]);
    expect(hasData).not.toHaveBeenCalled();
    expect(host).not.toHaveBeenCalled();
  });

  it('too few live: hasData is asked only about the free voter it adopts, which restores the quorum', async () => {
    const origin = new Origin();
    const identities = await threeVoters(origin, 2);
    const asked = new Set<string>();
    const hasData = async (id: string) => {
      asked.add(id);
      return true;
    };
    const adopted = hostedWith(identities.map((i) => i.id));
    const host = vi.fn(async () => adopted);
    const started = await adoptUntilQuorum({
      cluster: 'c1',
      records: origin.records,
      locks: origin.locks,
      hasData,
      lifecycle: null,
      hosted: () => [hostedWith(identities.map((i) => i.id))],
      host,
    });
    expect(started).toEqual([adopted]);
    expect(host).toHaveBeenCalledTimes(1);
    const free = identities.slice(0, 2).map((i) => i.id);
    const adoptedId = (host.mock.calls[0] as unknown as [TabIdentity])[0].id;
    expect(free).toContain(adoptedId);
    expect([...asked]).toEqual([adoptedId]);
  });
});
