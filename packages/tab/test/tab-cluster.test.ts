import { describe, expect, it, vi } from 'vitest';
import {
  allNodes,
  ClusterOrigin,
  close,
  command,
  FAST,
  leaders,
  type OpenTab,
  openFormed,
  until,
} from './cluster-helpers.js';
import { LaggingStorage } from './doubles.js';

const CLUSTER_KEY = 'webraft-tab/c1/cluster';

describe('startTabCluster: formation', () => {
  it('five tabs opened at once form one cluster: one cluster id, one leader, five voters', async () => {
    for (let round = 0; round < 5; round++) {
      const origin = new ClusterOrigin();
      const tabs = await Promise.all([1, 2, 3, 4, 5].map(() => origin.open()));
      const nodes = allNodes(tabs);
      expect(nodes).toHaveLength(5);
      expect(new Set(nodes.map((n) => n.clusterId)).size).toBe(1);
      const ids = tabs.map((t) => t.identity.id).sort();
      await until(
        () => nodes.every((n) => [...n.members.voters].sort().join() === ids.join()),
        'five voters on every node',
      );
      await until(() => leaders(nodes).length === 1, 'one leader');
      const record = JSON.parse(origin.records.getItem(CLUSTER_KEY) ?? 'null');
      expect(record.clusterId).toBe(nodes[0]?.clusterId);
      expect(ids).toContain(record.founder);
      await Promise.all(tabs.map(close));
    }
  });

  it('forms one cluster when localStorage reaches the other tabs late (as between Chromium renderers)', async () => {
    for (let round = 0; round < 5; round++) {
      const origin = new ClusterOrigin();
      const lagging = new LaggingStorage(10_000);
      const tabs = await Promise.all(
        [1, 2, 3, 4, 5].map(() => origin.open(undefined, { records: lagging.view() })),
      );
      const nodes = allNodes(tabs);
      expect(new Set(nodes.map((n) => n.clusterId)).size).toBe(1);
      await until(() => nodes.every((n) => n.members.voters.length === 5), 'five voters on every node');
      await Promise.all(tabs.map(close));
    }
  });

  it('a later tab joins and commits', async () => {
    const origin = new ClusterOrigin();
    const first = await origin.open();
    await first.cluster.node.propose(command());
    const later = await origin.open();
    await later.cluster.whenMember();
    const { result } = await later.cluster.node.propose(command());
    expect(result).toBe(2);
    expect(later.cluster.node.clusterId).toBe(first.cluster.node.clusterId);
    await Promise.all([first, later].map(close));
  });
});

describe('startTabCluster: restarts', () => {
  it('a reloaded tab resumes its node from storage, in the same cluster', async () => {
    const origin = new ClusterOrigin();
    const one = await origin.open();
    const two = await origin.open();
    await two.cluster.whenMember();
    await one.cluster.node.propose(command());
    await close(two);
    const reloaded = await origin.open(two.tab.reloaded());
    expect(reloaded.identity.id).toBe(two.identity.id);
    expect(reloaded.cluster.node.clusterId).toBe(one.cluster.node.clusterId);
    const { result } = await reloaded.cluster.node.propose(command());
    expect(result).toBe(2);
    await Promise.all([one, reloaded].map(close));
  });

  it('a founder that nobody joined restarts as the one voter of its cluster', async () => {
    const origin = new ClusterOrigin();
    const founder = await origin.open();
    await founder.cluster.node.propose(command());
    const clusterId = founder.cluster.node.clusterId;
    await close(founder);
    const reloaded = await origin.open(founder.tab.reloaded());
    expect(reloaded.cluster.node.clusterId).toBe(clusterId);
    expect((await reloaded.cluster.node.propose(command())).result).toBe(2);
    await close(reloaded);
  });
});

describe('startTabCluster: keeping the cluster writable', () => {
  it('a fresh tab whose cluster’s tabs all closed adopts a majority of the voters and is added', async () => {
    const origin = new ClusterOrigin();
    const { tabs, nodes } = await openFormed(origin, 3);
    await tabs[0]?.cluster.node.propose(command());
    const voters = [...(nodes[0]?.members.voters ?? [])];
    await Promise.all(tabs.map(close));

    const fresh = await origin.open();
    const hosted = fresh.cluster.nodes;
    expect(hosted.length).toBeGreaterThanOrEqual(3); // its own and at least two of the three voters
    expect(hosted.slice(1).every((n) => voters.includes(n.address))).toBe(true);
    await fresh.cluster.whenMember();
    expect((await fresh.cluster.node.propose(command())).result).toBe(2);
    await close(fresh);
  });

  it('a record whose cluster left no node with data: the fresh tab bootstraps a new cluster', async () => {
    const origin = new ClusterOrigin();
    origin.records.setItem(CLUSTER_KEY, JSON.stringify({ clusterId: 'c-gone', founder: 'tab-gone' }));
    const fresh = await origin.open();
    expect(fresh.cluster.node.clusterId).not.toBe('c-gone');
    expect(fresh.cluster.node.state).toBe('leader');
    expect(JSON.parse(origin.records.getItem(CLUSTER_KEY) ?? 'null')).toEqual({
      clusterId: fresh.cluster.node.clusterId,
      founder: fresh.identity.id,
    });
    await close(fresh);
  });

  it('two of three tabs closed at the same instant: the survivor adopts one and stays writable', async () => {
    const origin = new ClusterOrigin();
    const { tabs } = await openFormed(origin, 3);
    const [survivor, ...closing] = tabs as [OpenTab, OpenTab, OpenTab];
    expect((await survivor.cluster.node.propose(command())).result).toBe(1);
    await Promise.all(closing.map(close));
    // Nothing acknowledged is lost: the count goes on from the adopted node's log.
    expect((await survivor.cluster.node.propose(command(), { timeoutMs: 5000 })).result).toBe(2);
    expect(survivor.cluster.nodes.length).toBe(2);
    expect(closing.map((t) => t.identity.id)).toContain(survivor.cluster.nodes[1]?.address);
    await close(survivor);
  });

  it('shrinks with memberTimeout, and the last tab adopts the one before it: writable down to one tab', async () => {
    const origin = new ClusterOrigin();
    const { tabs } = await openFormed(origin, 3, { raftOptions: { ...FAST, memberTimeout: 400 } });
    let total = 0;
    while (tabs.length > 1) {
      const closing = tabs.shift()!;
      await close(closing);
      const survivor = tabs[0]!;
      total += 1;
      expect((await survivor.cluster.node.propose(command(), { timeoutMs: 5000 })).result).toBe(total);
    }
    const last = tabs[0]!;
    // Two voters were left when the second tab closed: too few to remove it, so the last tab adopted it.
    await until(() => last.cluster.node.members.voters.length === 2, 'two voters');
    expect(last.cluster.nodes.length).toBe(2);
    await close(last);
  });
});

describe('startTabCluster: handoff and removal', () => {
  it('a leader tab that becomes hidden hands leadership to another tab before any election timeout', async () => {
    const origin = new ClusterOrigin();
    const { tabs, nodes, leaderTab } = await openFormed(origin, 3, { raftOptions: SLOW_ELECTIONS });
    const term = leaderTab.cluster.node.term;
    const hiddenAt = Date.now();
    leaderTab.visibility.hide();
    await until(() => leaders(nodes).some((n) => n !== leaderTab.cluster.node), 'a leader in another tab');
    // Nothing timed out: the heartbeat timeout is 2 s, and the new leader took over in the next term.
    expect(Date.now() - hiddenAt).toBeLessThan(SLOW_ELECTIONS.heartbeatTimeout);
    const other = tabs.find((t) => t !== leaderTab)!;
    expect(other.cluster.node.term).toBe(term + 1);
    await other.cluster.node.propose(command());
    await Promise.all(tabs.map(close));
  });

  it('a node removed from the cluster says so (onRemoved)', async () => {
    const origin = new ClusterOrigin();
    const removed: string[] = [];
    const { tabs, nodes, leaderTab } = await openFormed(origin, 3, {
      onRemoved: (node) => removed.push(node.address),
    });
    const leader = leaderTab.cluster.node;
    const follower = nodes.find((n) => n !== leader)!;
    await leader.leave(follower.address);
    await until(() => removed.includes(follower.address), 'the removed event');
    await Promise.all(tabs.map(close));
  });
});

const SLOW_ELECTIONS = {
  heartbeatFrequency: 50,
  heartbeatTimeout: 2000,
  electionTimeoutMin: 300,
  electionTimeoutMax: 600,
};

/**
 * Three tabs of one origin, each with its own view of the origin's locks (so one can crash: its locks
 * freed by the "browser"), formed into one cluster with a leader.
 */
async function openCrashable() {
  const origin = new ClusterOrigin();
  const views = [origin.locks.tabView(), origin.locks.tabView(), origin.locks.tabView()];
  const tabs = await Promise.all(
    views.map((view) => origin.open(undefined, { locks: view.locks, raftOptions: SLOW_ELECTIONS })),
  );
  const nodes = allNodes(tabs);
  await until(
    () => nodes.every((n) => n.members.voters.length === 3) && leaders(nodes).length === 1,
    'a leader of 3',
  );
  return { views, tabs, nodes };
}

describe('startTabCluster: failover on a crash (liveness locks)', () => {
  it('a crashed leader tab: its liveness lock frees, the followers are told and elect at once', async () => {
    const { views, tabs, nodes } = await openCrashable();
    const old = leaders(nodes)[0]!;
    const term = old.term;
    const at = tabs.findIndex((t) => t.cluster.node === old);
    const followers = nodes.filter((n) => n !== old);
    const hints = followers.map((node) => vi.spyOn(node, 'leaderGone'));
    // A live leader is never reported gone.
    await old.propose(command());
    for (const hint of hints) expect(hint).not.toHaveBeenCalled();

    // The crash: no handoff, no stop; the node halts and the browser frees the tab's locks.
    old.raftNode.crash();
    const crashedAt = Date.now();
    views[at]!.crash();
    await until(() => leaders(followers).length === 1, 'a new leader among the other two');
    expect(Date.now() - crashedAt).toBeLessThan(SLOW_ELECTIONS.heartbeatTimeout);
    for (const hint of hints) expect(hint).toHaveBeenCalledWith(old.address, term);
    expect(hints.some((hint) => hint.mock.results.some((r) => r.value === true))).toBe(true);
    const next = leaders(followers)[0]!;
    expect(next.term).toBe(term + 1);
    await next.propose(command());
    await Promise.all(tabs.filter((_, i) => i !== at).map(close));
  });

  it('a hidden tab that wins the election after a crash hands leadership to the visible tab', async () => {
    const { views, tabs, nodes } = await openCrashable();
    const at = tabs.findIndex((t) => t.cluster.node.state === 'leader');
    const old = tabs[at]!.cluster.node;
    await old.propose(command());
    await until(() => nodes.every((n) => n.lastApplied === old.lastApplied), 'equal logs');
    // The follower with the lower id wins the hinted election (equal logs): hide that one.
    const [hidden, visible] = tabs
      .filter((_, i) => i !== at)
      .sort((a, b) => (a.cluster.node.address < b.cluster.node.address ? -1 : 1)) as [OpenTab, OpenTab];
    const hiddenLed = new Promise<void>((resolve) => hidden.cluster.node.listen('leader', resolve));
    hidden.visibility.hide();
    old.raftNode.crash();
    views[at]!.crash();
    await hiddenLed;
    await until(() => visible.cluster.node.state === 'leader', 'the visible tab leads');
    expect(hidden.cluster.node.state).toBe('follower');
    expect(visible.cluster.node.term).toBe(hidden.cluster.node.term);
    await hidden.cluster.node.propose(command());
    await Promise.all([hidden, visible].map(close));
  });

  it('a leader in another browser holds no liveness lock here: its followers are never told it is gone', async () => {
    const origin = new ClusterOrigin();
    const { tabs, nodes, leaderTab } = await openFormed(origin, 2, { raftOptions: SLOW_ELECTIONS });
    // The leader tab's locks belong to another lock manager (another browser) from now on.
    const follower = nodes.find((n) => n !== leaderTab.cluster.node)!;
    const hint = vi.spyOn(follower, 'leaderGone');
    const away = new ClusterOrigin();
    away.network.transport = origin.network.transport.bind(origin.network);
    const third = await away.open(undefined, { raftOptions: SLOW_ELECTIONS, bootstrap: false });
    await until(() => third.cluster.node.members.voters.length === 3, "the other browser's tab added");
    await leaderTab.cluster.node.transferLeadership(third.cluster.node.address);
    await until(() => follower.leader === third.cluster.node.address, 'following the other browser');
    await follower.propose(command());
    expect(hint).not.toHaveBeenCalled();
    await Promise.all([...tabs, third].map(close));
  });
});

describe('startTabCluster: handoff to a visible tab', () => {
  it('a hidden leader hands off to the tab that is still visible, not to one hidden before', async () => {
    const origin = new ClusterOrigin();
    const { tabs, leaderTab } = await openFormed(origin, 3, { raftOptions: SLOW_ELECTIONS });
    // Hide the follower the leader would pick first without knowing who is visible.
    const firstPick = leaderTab.cluster.node.members.voters.find((id) => id !== leaderTab.identity.id);
    const hiddenFirst = tabs.find((t) => t.identity.id === firstPick)!;
    const visible = tabs.find((t) => t !== leaderTab && t !== hiddenFirst)!;
    hiddenFirst.visibility.hide();
    const visibleLock = `webraft-tab/c1/visible/${encodeURIComponent(hiddenFirst.identity.id)}`;
    await until(() => !origin.locks.isHeld(visibleLock), 'the hidden tab let its visible lock go');
    leaderTab.visibility.hide();
    await until(() => visible.cluster.node.state === 'leader', 'the visible tab leads');
    expect(hiddenFirst.cluster.node.state).not.toBe('leader');
    await Promise.all(tabs.map(close));
  });
});

describe('startTabCluster: bootstrap false (a cluster beyond this browser)', () => {
  it('a fresh tab of another origin never bootstraps: it waits, and joins the cluster that adds it', async () => {
    const deviceA = new ClusterOrigin();
    const deviceB = new ClusterOrigin();
    // Both "devices" on one network (the relay); their localStorage and locks are their own.
    const shared = { transport: (id: string) => deviceA.network.transport(id), joinTimeoutMs: 200 };
    const early = await deviceB.open(undefined, { ...shared, bootstrap: false });
    expect(early.cluster.node.clusterId).toBeNull(); // alone, it did not bootstrap
    expect(early.cluster.node.members.voters).toEqual([]);
    const founder = await deviceA.open(undefined, shared);
    await early.cluster.whenMember();
    const later = await deviceB.open(undefined, { ...shared, bootstrap: false });
    await later.cluster.whenMember();
    const nodes = allNodes([founder, early, later]);
    expect(new Set(nodes.map((n) => n.clusterId)).size).toBe(1);
    expect(deviceB.records.getItem(CLUSTER_KEY)).toBeNull(); // no founder on device B
    const { result } = await later.cluster.node.propose(command());
    expect(result).toBe(1);
    await until(() => nodes.every((n) => n.members.voters.length === 3), 'three voters on every node');
    await Promise.all([founder, early, later].map(close));
  });
});
