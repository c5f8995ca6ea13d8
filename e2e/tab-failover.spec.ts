import { type BrowserContext, expect, type Page, test } from '@playwright/test';

/**
 * Tab failover (@webraft/tab, README Failover) in Chromium, on the real BroadcastChannel, IndexedDB and
 * Web Locks, no mocks: a leader tab closed (with and without `runBeforeUnload`) or crashed through CDP `Page.crash` frees its liveness lock, and the
 * followers elect at once instead of after their election timeout; one leader, nothing acknowledged lost.
 * Then the paths that keep the leader's tab: hidden (it hands off), frozen (it keeps its lock: the
 * timeout path), a hidden follower (the quorum does not wait for it), and a liveness lock freed while
 * its leader is merely slow (never two leaders in one term).
 *
 * A frozen tab: headless Chromium ignores CDP `Page.setWebLifecycleState` `frozen` (its pages are
 * always visible), so the spec stops the page with CDP `Debugger.pause`: no timer, message or event of
 * the page runs until `Debugger.resume`, then they run late, as in a tab the browser froze.
 */

interface NodeView {
  id: string;
  state: string;
  term: number;
  voters: string[];
  commitIndex: number;
}
type W = {
  tc: {
    id: string;
    nodes(): NodeView[];
    propose(): Promise<number>;
    value(): number | undefined;
    ledTerms(): number[];
    hide(): void;
    watchers(id: string): Promise<number>;
  };
};

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
  return { pages, leader: pages[at]!, others, term: views[at]!.term };
}

/**
 * Election safety across the tabs (paper 5.2): no two tabs' nodes led in one term; and every tab's
 * counter reaches `count`, the number of edits acknowledged (none lost, none applied twice).
 */
async function expectSafe(pages: readonly Page[], count: number): Promise<void> {
  const led = (
    await Promise.all(pages.map((page) => page.evaluate(() => (window as unknown as W).tc.ledTerms())))
  ).flat();
  expect(new Set(led).size).toBe(led.length);
  for (const page of pages)
    await expect
      .poll(() => page.evaluate(() => (window as unknown as W).tc.value()), { timeout: 10_000 })
      .toBe(count);
}

const leadersAmong = async (pages: readonly Page[]) =>
  (await Promise.all(pages.map(ownNode))).filter((n) => n.state === 'leader');

/** Exactly one of `pages` leads, in `term`. */
async function expectOneLeaderIn(pages: readonly Page[], term: number): Promise<void> {
  const leaders = await leadersAmong(pages);
  expect(leaders).toHaveLength(1);
  expect(leaders[0]!.term).toBe(term);
}

/** Stops every task of the page (timers, messages, events) until `resume()`: a frozen tab. */
async function freeze(context: BrowserContext, page: Page) {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Debugger.enable');
  const paused = new Promise((resolve) => cdp.once('Debugger.paused', resolve));
  await cdp.send('Debugger.pause');
  await paused; // its next task (a heartbeat timer, say) did not run
  return { resume: () => cdp.send('Debugger.resume') };
}

/** Whether node `id`'s liveness lock is held (asked in `page`, the lock manager answers for the origin). */
const livenessHeld = (page: Page, id: string) =>
  page.evaluate(
    async (suffix) => {
      const { held = [] } = await navigator.locks.query();
      return held.some((lock) => lock.name?.endsWith(suffix));
    },
    `/alive/${encodeURIComponent(id)}`,
  );

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
    await expectOneLeaderIn(others, term + 1);
  });
}

test('a crashed leader tab (CDP Page.crash): the others elect at once, one leader, no acknowledged commit lost', async ({
  context,
}) => {
  const { leader, others, term } = await formed(context, 'crash');

  const cdp = await context.newCDPSession(leader);
  const started = Date.now();
  void cdp.send('Page.crash').catch(() => undefined); // the target dies: no answer comes
  expect(await propose(others[0]!)).toBe(3);
  const elapsed = Date.now() - started;
  console.log(`crashed leader to the next commit: ${elapsed} ms`);
  expect(elapsed).toBeLessThan(SLOW_ELECTIONS);
  await expectOneLeaderIn(others, term + 1);
});

test('a hidden leader tab hands off to a visible one: the next edit commits in the next term, one leader, nothing lost', async ({
  context,
}) => {
  const { pages, leader, others, term } = await formed(context, 'hidden');
  await leader.evaluate(() => (window as unknown as W).tc.hide());
  await expect.poll(async () => (await ownNode(leader)).state, { timeout: 10_000 }).toBe('follower');
  expect(await propose(others[0]!)).toBe(3);
  await expectOneLeaderIn(others, term + 1);
  expect(await leadersAmong([leader])).toHaveLength(0);
  // The hidden tab still edits, through the new leader.
  expect(await propose(leader)).toBe(4);
  await expectSafe(pages, 4);
});

test('a frozen leader tab keeps its liveness lock: the others elect after their election timeout, one leader, nothing lost', async ({
  context,
}) => {
  const { pages, leader, others, term } = await formed(context, 'frozen');
  const leaderId = (await ownNode(leader)).id;
  const frozen = await freeze(context, leader);
  await expect.poll(async () => (await leadersAmong(others)).length, { timeout: 20_000 }).toBe(1);
  // No lock was freed, so no leader-gone hint: the followers' own election timeout elected this one.
  expect(await livenessHeld(others[0]!, leaderId)).toBe(true);
  expect((await leadersAmong(others))[0]!.term).toBeGreaterThan(term);
  expect(await propose(others[0]!)).toBe(3);
  expect(await propose(others[1]!)).toBe(4);

  await frozen.resume();
  // Thawed, its late timers and messages run: it hears the newer term and follows.
  await expect.poll(async () => (await ownNode(leader)).state, { timeout: 20_000 }).toBe('follower');
  expect(await leadersAmong(pages)).toHaveLength(1);
  expect(await propose(leader)).toBe(5);
  await expectSafe(pages, 5);
});

test('a hidden follower cannot slow commits: it stays a voter and answers, and the quorum never waits for it', async ({
  context,
}) => {
  const { pages, leader, others, term } = await formed(context, 'hidden-follower');
  const hidden = others[0]!;
  const hiddenId = (await ownNode(hidden)).id;
  await hidden.evaluate(() => (window as unknown as W).tc.hide());
  // Hidden, it still takes part (its answers take no timer): it has every entry the leader committed.
  for (let count = 3; count <= 5; count++) expect(await propose(leader)).toBe(count);
  const { commitIndex } = await ownNode(leader);
  await expect.poll(async () => (await ownNode(hidden)).commitIndex, { timeout: 10_000 }).toBe(commitIndex);
  expect((await ownNode(hidden)).voters).toContain(hiddenId);
  expect(await propose(hidden)).toBe(6);
  // Even stopped outright (worse than throttled timers), it holds no commit up: the other two are a majority.
  const frozen = await freeze(context, hidden);
  for (let count = 7; count <= 9; count++) expect(await propose(others[1]!)).toBe(count);
  await frozen.resume();
  // No election came of it: the same leader, in the same term.
  expect(await ownNode(leader)).toMatchObject({ state: 'leader', term });
  await expectSafe(pages, 9);
});

test('a liveness lock freed while its leader is merely slow (frozen, its identity lock taken) never gives two leaders in one term', async ({
  context,
}) => {
  const { pages, leader, others, term } = await formed(context, 'slow');
  const leaderId = (await ownNode(leader)).id;
  await expect
    .poll(() => others[0]!.evaluate((id) => (window as unknown as W).tc.watchers(id), leaderId))
    .toBe(2);
  const frozen = await freeze(context, leader);
  // Another tab takes the slow leader's liveness lock and lets it go (as an adoption would): the
  // followers' watches are granted and they hear that the leader is gone, though its tab still runs.
  await others[0]!.evaluate(
    async (suffix) => {
      const { held = [] } = await navigator.locks.query();
      const name = held.find((lock) => lock.name?.endsWith(suffix))!.name!;
      await navigator.locks.request(name, { steal: true }, () => undefined);
    },
    `/alive/${encodeURIComponent(leaderId)}`,
  );
  await expect.poll(async () => (await leadersAmong(others)).length, { timeout: 20_000 }).toBe(1);
  expect((await leadersAmong(others))[0]!.term).toBeGreaterThan(term);
  expect(await propose(others[0]!)).toBe(3);

  // The old leader wakes up still thinking it leads its old term; it learns the newer one and follows.
  await frozen.resume();
  await expect.poll(async () => (await ownNode(leader)).state, { timeout: 20_000 }).toBe('follower');
  expect(await leadersAmong(pages)).toHaveLength(1);
  expect(await propose(leader)).toBe(4);
  await expectSafe(pages, 4);
});
