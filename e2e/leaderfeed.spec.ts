import { type BrowserContext, expect, type Page, test } from '@playwright/test';
import { FencedResource } from './fenced-resource.js';

/**
 * @webraft/leaderfeed in Chromium, on the real Web Locks, BroadcastChannel and IndexedDB, no mocks
 * (pages/leaderfeed/feed.ts): three tabs elect one leader per backend; a leader tab closed or crashed
 * gives a new leader with a larger token; a frozen leader tab (CDP `Debugger.pause`: headless Chromium
 * ignores `Page.setWebLifecycleState`) never overlaps a new leader under Web Locks, and under
 * BroadcastChannel steps down on thaw, its token refused by a fenced resource.
 */

interface Leadership {
  state: 'leader' | 'follower';
  token: number | undefined;
  at: number;
}
interface FeedView {
  id: string;
  isLeader: boolean;
  token: number | undefined;
  leader: { leaderId: string; token: number } | undefined;
  history: Leadership[];
  errors: string[];
  lockBusy: number;
  heartbeatsHeard: number;
}
type W = { lf: { view(): FeedView; staleWrite(): Promise<boolean> } };

const BACKENDS = ['weblocks', 'broadcastchannel'] as const;
type Backend = (typeof BACKENDS)[number];

/**
 * The feeds' lease and shortest election timeout (the longest is twice that): longer than the default
 * 300 ms, as this machine's load can stall a tab's timers for a few hundred ms.
 */
const LEASE_MS = 1500;

let seq = 0;

/** Three tabs of one feed, each writing to `resource` while it leads. */
async function openTabs(context: BrowserContext, backend: Backend, resource: FencedResource) {
  await context.exposeFunction('fencedWrite', (token: number, writer: string) =>
    resource.write(token, writer),
  );
  const name = `lf-${backend}-${Date.now().toString(36)}-${++seq}`;
  const pages: Page[] = [];
  for (const id of ['tab1', 'tab2', 'tab3']) {
    const page = await context.newPage();
    await page.goto(
      `/leaderfeed/feed.html?backend=${backend}&name=${name}&id=${id}&electionTimeoutMinMs=${LEASE_MS}`,
    );
    await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
    pages.push(page);
  }
  return pages;
}

const view = (page: Page) => page.evaluate(() => (window as unknown as W).lf.view());
const views = (pages: Page[]) => Promise.all(pages.map(view));

/** Waits for exactly one leader among `pages`: its page and view. */
async function oneLeader(pages: Page[]) {
  // The leader is taken from the very reading that found one: a second reading could meet the next
  // election's in-between state.
  let all: Awaited<ReturnType<typeof views>> = [];
  await expect
    .poll(
      async () => {
        all = await views(pages);
        return all.filter((v) => v.isLeader).length;
      },
      { timeout: 10_000 },
    )
    .toBe(1);
  const at = all.findIndex((v) => v.isLeader);
  return { page: pages[at]!, view: all[at]!, others: pages.filter((_, i) => i !== at) };
}

for (const backend of BACKENDS) {
  test(`${backend}: three tabs elect exactly one leader and keep it`, async ({ context }) => {
    const resource = new FencedResource();
    const pages = await openTabs(context, backend, resource);
    const leader = await oneLeader(pages);
    // Every tab hears thirty more heartbeats (3 s at 100 ms, over an election timeout): still one leader.
    const heard = (await views(pages)).map((v) => v.heartbeatsHeard);
    await expect
      .poll(async () => (await views(pages)).every((v, i) => v.heartbeatsHeard >= heard[i]! + 10), {
        timeout: 10_000,
      })
      .toBe(true);
    const after = await views(pages);
    expect(after.filter((v) => v.isLeader).map((v) => v.id)).toEqual([leader.view.id]);
    for (const v of after) expect(v.leader).toEqual({ leaderId: leader.view.id, token: leader.view.token });
    // One leadership in all: every tab's history has at most its one `leader` entry, and only one tab's.
    expect(
      after.flatMap((v) => v.history.filter((h) => h.state === 'leader')),
      JSON.stringify(after.map((v) => [v.id, v.errors, v.history])),
    ).toHaveLength(1);
    expect(resource.refused).toEqual([]);
    expect(resource.accepted.every((w) => w.writer === leader.view.id)).toBe(true);
  });

  test(`${backend}: the leader tab closed gracefully gives a new leader with a larger token`, async ({
    context,
  }) => {
    const resource = new FencedResource();
    const pages = await openTabs(context, backend, resource);
    const first = await oneLeader(pages);
    await first.page.close({ runBeforeUnload: true });
    const second = await oneLeader(first.others);
    expect(second.view.id).not.toBe(first.view.id);
    expect(second.view.token!).toBeGreaterThan(first.view.token!);
    expect(resource.violations).toEqual([]);
  });

  test(`${backend}: the leader tab crashed (CDP Page.crash) gives a new leader with a larger token`, async ({
    context,
  }) => {
    const resource = new FencedResource();
    const pages = await openTabs(context, backend, resource);
    const first = await oneLeader(pages);
    const cdp = await context.newCDPSession(first.page);
    // The renderer dies: no pagehide, no resignation; the followers find the leader gone by themselves.
    void cdp.send('Page.crash').catch(() => {}); // the target dies: no answer comes
    const second = await oneLeader(first.others);
    expect(second.view.token!).toBeGreaterThan(first.view.token!);
    expect(resource.violations).toEqual([]);
  });
}

/** Freezes `page`'s main thread (its next script task stops in the debugger): timers, messages, all. */
async function freeze(context: BrowserContext, page: Page) {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Debugger.enable');
  await cdp.send('Debugger.pause');
  return { thaw: () => cdp.send('Debugger.resume') };
}

test('weblocks: a frozen leader tab keeps the lock, so no new leader overlaps it; after thaw, one with a larger token', async ({
  context,
}) => {
  const resource = new FencedResource();
  const pages = await openTabs(context, 'weblocks', resource);
  const first = await oneLeader(pages);
  const { thaw } = await freeze(context, first.page);
  // While it is frozen, each other tab tries the lock twice (after two election timeouts) and is refused.
  const busyBefore = (await views(first.others)).map((v) => v.lockBusy);
  await expect
    .poll(
      async () => {
        const others = await views(first.others);
        expect(others.filter((v) => v.isLeader)).toEqual([]);
        return others.every((v, i) => v.lockBusy >= busyBefore[i]! + 2);
      },
      { timeout: 10_000 },
    )
    .toBe(true);
  await thaw();
  // On thaw its lease has run out on its own clock: it steps down and frees the lock; another leads.
  const second = await oneLeader(pages);
  expect(second.view.token!).toBeGreaterThan(first.view.token!);
  const old = await view(first.page);
  expect(old.errors).toContain('LEASE_EXPIRED');
  const stepDown = old.history.findLast((h) => h.state === 'follower')!;
  const newLeadership = second.view.history.findLast((h) => h.state === 'leader')!;
  // The new leadership began only after the frozen one ended: never two at once.
  expect(newLeadership.at).toBeGreaterThanOrEqual(stepDown.at);
  expect(resource.violations).toEqual([]);
});

test('broadcastchannel: a frozen leader tab is replaced, steps down on thaw, and its token is refused by a fenced resource', async ({
  context,
}) => {
  const resource = new FencedResource();
  const pages = await openTabs(context, 'broadcastchannel', resource);
  const first = await oneLeader(pages);
  const { thaw } = await freeze(context, first.page);
  // No heartbeats from the frozen tab: after an election timeout another tab leads, and writes.
  const second = await oneLeader(first.others);
  expect(second.view.token!).toBeGreaterThan(first.view.token!);
  await expect
    .poll(() => resource.accepted.some((w) => w.writer === second.view.id), { timeout: 5000 })
    .toBe(true);
  await thaw();
  // On thaw its lease is already over (counted on its own clock): it is no leader and says so.
  await expect
    .poll(async () => (await view(first.page)).history.at(-1)?.state, { timeout: 5000 })
    .toBe('follower');
  const old = await view(first.page);
  expect(old.isLeader).toBe(false);
  expect(old.errors.some((code) => code === 'LEASE_EXPIRED' || code === 'SUPERSEDED')).toBe(true);
  // A write under its old token, as a job that missed the step-down would make: refused.
  expect(await first.page.evaluate(() => (window as unknown as W).lf.staleWrite())).toBe(false);
  expect(resource.refused.map((w) => w.writer)).toContain(first.view.id);
  expect(resource.violations).toEqual([]);
  const leaders = (await views(pages)).filter((v) => v.isLeader);
  expect(leaders.map((v) => v.id)).toEqual([second.view.id]);
});
