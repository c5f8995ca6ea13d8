import { type BrowserContext, expect, type Page, test } from '@playwright/test';

/**
 * startTabCluster (@webraft/tab) in Chromium, on the real BroadcastChannel, IndexedDB, localStorage and
 * Web Locks, no mocks: tabs opened at once form one cluster; a later tab joins; a hidden or closing
 * leader tab hands off before any election timeout; a reloaded tab resumes its node; closing tabs one
 * at a time down to one keeps the cluster writable; a tab opened after every tab closed adopts the
 * closed tabs' nodes and carries on with the cluster's state.
 */

interface NodeView {
  id: string;
  state: string;
  term: number;
  leader: string | null;
  clusterId: string | null;
  voters: string[];
  learners: string[];
}
interface TabApi {
  id: string;
  nodes(): NodeView[];
  whenMember(): Promise<void>;
  propose(): Promise<number>;
  value(): number | undefined;
  hide(): void;
}
type W = { tc: TabApi };

const uniqueCluster = (label: string) =>
  `${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;

async function open(context: BrowserContext, cluster: string, query = ''): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`/tab-cluster/tab.html?cluster=${cluster}${query}`);
  await ready(page);
  return page;
}
const ready = (page: Page) => page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
const idOf = (page: Page) => page.evaluate(() => (window as unknown as W).tc.id);
const nodesOf = (page: Page) => page.evaluate(() => (window as unknown as W).tc.nodes());
/** Proposes through the page's own node: the count of commands the cluster applied, once committed. */
const propose = (page: Page) => page.evaluate(() => (window as unknown as W).tc.propose());
const whenMember = (page: Page) => page.evaluate(() => (window as unknown as W).tc.whenMember());
/** The node of this tab's own identity. */
const ownNode = async (page: Page) => (await nodesOf(page))[0] as NodeView;

/**
 * What every tab's nodes say: their cluster ids, the members each sees (voters and learners: a new
 * member is a learner until the leader promotes it), and who leads.
 */
async function survey(pages: Page[]) {
  const nodes = (await Promise.all(pages.map(nodesOf))).flat();
  return {
    clusterIds: [...new Set(nodes.map((n) => n.clusterId))],
    memberSets: [...new Set(nodes.map((n) => [...n.voters, ...n.learners].sort().join()))],
    voterSets: [...new Set(nodes.map((n) => [...n.voters].sort().join()))],
    leaders: nodes.filter((n) => n.state === 'leader').map((n) => n.id),
  };
}

/**
 * Waits until the tabs' nodes form one cluster whose members are exactly `ids`, with one leader;
 * `allVoters`: every one of them promoted to voter, as every node sees it.
 */
async function expectOneCluster(pages: Page[], ids: string[], allVoters = false) {
  await expect
    .poll(() => survey(pages), { timeout: 15_000 })
    .toEqual({
      clusterIds: [expect.any(String)],
      memberSets: [[...ids].sort().join()],
      voterSets: allVoters ? [[...ids].sort().join()] : expect.any(Array),
      leaders: [expect.any(String)],
    });
}

test('5 tabs opened at once form one cluster, 20 times', async ({ context }) => {
  test.setTimeout(300_000);
  for (let round = 0; round < 20; round++) {
    const cluster = uniqueCluster(`five-${round}`);
    const pages = await Promise.all([1, 2, 3, 4, 5].map(() => open(context, cluster)));
    const ids = await Promise.all(pages.map(idOf));
    expect(new Set(ids).size, `round ${round}`).toBe(5);
    await expectOneCluster(pages, ids, true);
    await Promise.all(pages.map((page) => page.close()));
  }
});

test('a later tab joins the cluster and commits', async ({ context }) => {
  const cluster = uniqueCluster('later');
  const first = await Promise.all([1, 2].map(() => open(context, cluster)));
  expect(await propose(first[0]!)).toBe(1);
  const later = await open(context, cluster);
  await whenMember(later);
  expect(await propose(later)).toBe(2);
  const pages = [...first, later];
  await expectOneCluster(pages, await Promise.all(pages.map(idOf)));
  await expect.poll(() => first[0]!.evaluate(() => (window as unknown as W).tc.value())).toBe(2);
});

/** A measured duration, in the report and on the console. */
function report(what: string, ms: number): void {
  test.info().annotations.push({ type: what, description: `${ms} ms` });
  console.log(`${what}: ${ms} ms`);
}

// Elections only after 3 s of silence: a commit that follows the leader's tab being hidden or closed
// within that time was not waiting for one.
const SLOW_ELECTIONS = 3000;

/** Three tabs with slow elections, formed; the leader's tab and the others. */
async function threeTabs(context: BrowserContext, label: string) {
  const cluster = uniqueCluster(label);
  const pages = await Promise.all(
    [1, 2, 3].map(() => open(context, cluster, `&heartbeatTimeout=${SLOW_ELECTIONS}`)),
  );
  await expectOneCluster(pages, await Promise.all(pages.map(idOf)));
  const leaderIndex = (await Promise.all(pages.map(ownNode))).findIndex((n) => n.state === 'leader');
  const leader = pages[leaderIndex]!;
  const others = pages.filter((page) => page !== leader);
  await propose(others[0]!);
  return { leader, others, term: (await ownNode(leader)).term };
}

test('a leader tab made hidden (visibilitychange) hands off: the next commit needs no election timeout', async ({
  context,
}) => {
  const { leader, others, term } = await threeTabs(context, 'hidden');
  const started = Date.now();
  await leader.evaluate(() => (window as unknown as W).tc.hide());
  await expect
    .poll(async () => (await ownNode(others[0]!)).leader, { timeout: SLOW_ELECTIONS })
    .not.toBe(await idOf(leader));
  expect(await propose(others[0]!)).toBe(2);
  report('hidden leader to the next commit', Date.now() - started);
  expect(Date.now() - started).toBeLessThan(SLOW_ELECTIONS);
  // The new leader is a visible tab, elected in the next term (TimeoutNow): no election timed out.
  const newLeader = (await ownNode(others[0]!)).leader;
  expect(await Promise.all(others.map(idOf))).toContain(newLeader);
  expect((await ownNode(others[0]!)).term).toBe(term + 1);
});

test('a leader tab closed gracefully (pagehide) hands off: the next commit needs no election timeout', async ({
  context,
}) => {
  const { leader, others, term } = await threeTabs(context, 'closed');
  const started = Date.now();
  await leader.close({ runBeforeUnload: true });
  expect(await propose(others[0]!)).toBe(2);
  report('leader tab closed to the next commit', Date.now() - started);
  expect(Date.now() - started).toBeLessThan(SLOW_ELECTIONS);
  expect((await ownNode(others[0]!)).term).toBe(term + 1);
});

test('a reloaded tab resumes its node from IndexedDB', async ({ context }) => {
  const cluster = uniqueCluster('reload');
  const pages = await Promise.all([1, 2, 3].map(() => open(context, cluster)));
  const ids = await Promise.all(pages.map(idOf));
  await expectOneCluster(pages, ids);
  expect(await propose(pages[1]!)).toBe(1);
  await pages[1]!.reload();
  await ready(pages[1]!);
  expect(await idOf(pages[1]!)).toBe(ids[1]);
  expect(await propose(pages[1]!)).toBe(2);
  await expectOneCluster(pages, ids);
});

test('closing tabs one at a time, each after the cluster settled, down to one keeps it writable; reopening grows it', async ({
  context,
}) => {
  test.setTimeout(120_000);
  const cluster = uniqueCluster('shrink');
  const pages = await Promise.all([1, 2, 3, 4].map(() => open(context, cluster, '&memberTimeout=1500')));
  const ids = await Promise.all(pages.map(idOf));
  await expectOneCluster(pages, ids);
  let total = 0;
  while (pages.length > 1) {
    const closing = pages.shift()!;
    const closedId = await idOf(closing);
    await closing.close();
    total += 1;
    expect(await propose(pages[0]!)).toBe(total);
    // Settled: the closed tab was removed (memberTimeout), or a survivor adopted its identity.
    await expect
      .poll(
        async () => {
          const nodes = (await Promise.all(pages.map(nodesOf))).flat();
          return nodes[0]!.voters.includes(closedId) && !nodes.some((n) => n.id === closedId);
        },
        { timeout: 15_000 },
      )
      .toBe(false);
  }
  const last = pages[0]!;
  expect(await propose(last)).toBe(total + 1);
  const hosted = await nodesOf(last);
  // With two voters left, the one that closed could not be removed (no majority without it): adopted.
  expect(hosted.length).toBeGreaterThanOrEqual(2);
  expect(hosted[0]!.voters.length).toBeLessThan(4);
  // Reopening a tab grows the cluster again.
  const reopened = await open(context, cluster, '&memberTimeout=1500');
  await whenMember(reopened);
  expect(await propose(reopened)).toBe(total + 2);
  await expect.poll(async () => (await ownNode(last)).voters).toContain(await idOf(reopened));
});

test('a tab opened after every tab of the cluster closed adopts their nodes and carries on', async ({
  context,
}) => {
  const cluster = uniqueCluster('reopen');
  const pages = await Promise.all([1, 2, 3].map(() => open(context, cluster)));
  const ids = await Promise.all(pages.map(idOf));
  await expectOneCluster(pages, ids);
  expect(await propose(pages[0]!)).toBe(1);
  await Promise.all(pages.map((page) => page.close()));

  const fresh = await open(context, cluster);
  await whenMember(fresh);
  expect(await propose(fresh)).toBe(2); // the closed tabs' state, from their IndexedDB logs
  const hosted = await nodesOf(fresh);
  // Its own node and a majority of the three voters, adopted: the identity locks were free.
  expect(hosted.slice(1).length).toBeGreaterThanOrEqual(2);
  for (const node of hosted.slice(1)) expect(ids).toContain(node.id);
  expect(new Set(hosted.map((n) => n.clusterId)).size).toBe(1);
});

test('two of three tabs closed at the same instant: the last one adopts a node and commits, nothing lost', async ({
  context,
}) => {
  const cluster = uniqueCluster('two-killed');
  const pages = await Promise.all([1, 2, 3].map(() => open(context, cluster)));
  const ids = await Promise.all(pages.map(idOf));
  await expectOneCluster(pages, ids);
  expect(await propose(pages[0]!)).toBe(1);
  const started = Date.now();
  await Promise.all(pages.slice(1).map((page) => page.close()));
  // What the user sees: the edit waits (no majority) until the tab adopted a closed tab's node.
  expect(await propose(pages[0]!)).toBe(2);
  report('two of three closed to the next commit', Date.now() - started);
  const hosted = await nodesOf(pages[0]!);
  expect(hosted.length).toBe(2);
  expect(ids.slice(1)).toContain(hosted[1]!.id);
});
