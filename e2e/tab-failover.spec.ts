import { type BrowserContext, expect, type Page, test } from '@playwright/test';

/**
 * Tab failover (@webraft/tab, README Failover) in Chromium, on the real BroadcastChannel, IndexedDB and
 * Web Locks, no mocks: a leader tab closed (with and without `runBeforeUnload`) or crashed through CDP `Page.crash` frees its liveness lock, and the
 * followers elect at once instead of after their election timeout; one leader, nothing acknowledged lost.
 */

interface NodeView {
  id: string;
  state: string;
  term: number;
}
type W = { tc: { id: string; nodes(): NodeView[]; propose(): Promise<number> } };

// Elections only after 3 s of silence: a commit within that time after the crash did not wait for one.
const SLOW_ELECTIONS = 3000;

async function open(context: BrowserContext, cluster: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`/tab-cluster/tab.html?cluster=${cluster}&heartbeatTimeout=${SLOW_ELECTIONS}`);
  await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
  return page;
}
const ownNode = async (page: Page) =>
  (await page.evaluate(() => (window as unknown as W).tc.nodes()))[0] as NodeView;
const propose = (page: Page) => page.evaluate(() => (window as unknown as W).tc.propose());

/** Three tabs formed, two commits acknowledged; the leader's page, the others and the term. */
async function formed(context: BrowserContext, label: string) {
  const cluster = `${label}-${Date.now().toString(36)}`;
  const pages = await Promise.all([1, 2, 3].map(() => open(context, cluster)));
  await expect
    .poll(async () => (await Promise.all(pages.map(ownNode))).filter((n) => n.state === 'leader').length, {
      timeout: 15_000,
    })
    .toBe(1);
  const views = await Promise.all(pages.map(ownNode));
  const at = views.findIndex((n) => n.state === 'leader');
  const others = pages.filter((_, i) => i !== at);
  expect(await propose(others[0]!)).toBe(1);
  expect(await propose(others[1]!)).toBe(2);
  return { leader: pages[at]!, others, term: views[at]!.term };
}

for (const runBeforeUnload of [true, false]) {
  test(`a leader tab closed (runBeforeUnload ${runBeforeUnload}): one leader in the next term, no acknowledged commit lost`, async ({
    context,
  }) => {
    const { leader, others, term } = await formed(context, `close-${runBeforeUnload}`);
    const started = Date.now();
    await leader.close({ runBeforeUnload });
    expect(await propose(others[0]!)).toBe(3);
    console.log(
      `closed leader (runBeforeUnload ${runBeforeUnload}) to the next commit: ${Date.now() - started} ms`,
    );
    expect(Date.now() - started).toBeLessThan(SLOW_ELECTIONS);
    const after = await Promise.all(others.map(ownNode));
    expect(after.filter((n) => n.state === 'leader')).toHaveLength(1);
    expect(after.find((n) => n.state === 'leader')!.term).toBe(term + 1);
  });
}

test('a crashed leader tab (CDP Page.crash): the others elect at once, one leader, no acknowledged commit lost', async ({
  context,
}) => {
  const cluster = `crash-${Date.now().toString(36)}`;
  const pages = await Promise.all([1, 2, 3].map(() => open(context, cluster)));
  await expect
    .poll(async () => (await Promise.all(pages.map(ownNode))).filter((n) => n.state === 'leader').length, {
      timeout: 15_000,
    })
    .toBe(1);
  const views = await Promise.all(pages.map(ownNode));
  const leader = pages[views.findIndex((n) => n.state === 'leader')]!;
  const term = views.find((n) => n.state === 'leader')!.term;
  const others = pages.filter((page) => page !== leader);
  expect(await propose(others[0]!)).toBe(1);
  expect(await propose(others[1]!)).toBe(2);

  const cdp = await context.newCDPSession(leader);
  const started = Date.now();
  void cdp.send('Page.crash').catch(() => undefined); // the target dies: no answer comes
  expect(await propose(others[0]!)).toBe(3);
  const elapsed = Date.now() - started;
  console.log(`crashed leader to the next commit: ${elapsed} ms`);
  expect(elapsed).toBeLessThan(SLOW_ELECTIONS);
  const after = await Promise.all(others.map(ownNode));
  expect(after.filter((n) => n.state === 'leader')).toHaveLength(1);
  expect(after.find((n) => n.state === 'leader')!.term).toBe(term + 1);
});
