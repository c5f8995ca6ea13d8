import { expect, type Page, test } from '@playwright/test';
import {
  addCard,
  boardOf,
  clusterView,
  expectBoards,
  expectNoConsoleProblems,
  expectNoFailure,
  expectOneCluster,
  open,
  ownRole,
  shortIdOf,
  threeTabs,
  uniqueBoard,
} from './collab-helpers.js';

/**
 * apps/collab through what the browser does to tabs, in real Chromium: a leader tab frozen (its page
 * stopped from outside through CDP, see below), and many tabs editing at once.
 */

expectNoConsoleProblems();
test.describe.configure({ timeout: 90_000 });

/** Resolves once `page` shows no edit in flight: every edit it made was acknowledged (committed). */
const acknowledged = (page: Page) => expect(page.getByRole('status')).not.toContainText('in flight');

/** The leader the tabs all follow, or null while they disagree or know none. */
async function followedLeader(pages: Page[]): Promise<string | null> {
  const leaders = new Set((await clusterView(pages)).map((view) => view.leader));
  return leaders.size === 1 && !leaders.has('—') ? [...leaders][0]! : null;
}

test('a frozen leader tab is replaced; thawed, it steps down; no acknowledged edit is lost', async ({
  context,
}) => {
  const { pages, leader, first, second } = await threeTabs(context, 'frozen');
  const others = [first, second];
  await addCard(leader, 'To do', 'by the leader');
  await addCard(others[0]!, 'To do', 'before');
  await Promise.all([acknowledged(leader), acknowledged(others[0]!)]);
  const termBefore = Number(
    await leader.locator('#inspector-body tr').first().locator('[data-column="term"]').textContent(),
  );

  // Frozen from outside, by the browser: no task of the page runs (timers, messages, events) and
  // all wait until it resumes. `Page.setWebLifecycleState` frozen would be the browser's own freeze,
  // but headless Chromium 156 ignores it (its pages are always visible, and a visible page is never
  // frozen: its timers kept running, no `freeze` event fired); pausing the page's JavaScript in the
  // debugger stops it the same way. Nothing is read from the frozen page until it resumes.
  const cdp = await context.newCDPSession(leader);
  await cdp.send('Debugger.enable');
  const frozen = new Promise((resolve) => cdp.once('Debugger.paused', resolve));
  await cdp.send('Debugger.pause');
  await frozen; // its next task (a heartbeat timer, say) did not run
  // The two others elect one of them and commit without it.
  const othersIds = await Promise.all(others.map(shortIdOf));
  await expect
    .poll(async () => othersIds.includes((await followedLeader(others)) ?? ''), { timeout: 20_000 })
    .toBe(true);
  await addCard(others[0]!, 'To do', 'while frozen 1');
  await addCard(others[1]!, 'To do', 'while frozen 2');
  await Promise.all(others.map(acknowledged));
  const whileFrozen = await boardOf(others[0]!);
  expect([...whileFrozen[0]!.cards].sort()).toEqual([
    'before',
    'by the leader',
    'while frozen 1',
    'while frozen 2',
  ]);

  await cdp.send('Debugger.resume');
  // Thawed: its late timers and queued messages run; it learns the newer term and follows.
  await expect.poll(() => ownRole(leader), { timeout: 20_000 }).toBe('follower');
  await expect.poll(() => followedLeader(pages), { timeout: 20_000 }).not.toBeNull();
  expect(othersIds).toContain(await followedLeader(pages));
  const termAfter = Number(
    await leader.locator('#inspector-body tr').first().locator('[data-column="term"]').textContent(),
  );
  expect(termAfter).toBeGreaterThan(termBefore);
  // Every acknowledged edit is in every tab, in one order; the thawed tab edits again.
  await expectBoards(pages, whileFrozen);
  await addCard(leader, 'To do', 'after the thaw');
  await expectBoards(pages, [{ title: 'To do', cards: [...whileFrozen[0]!.cards, 'after the thaw'] }]);
  await expectNoFailure(pages);
});

test('5 tabs editing at once converge to the same board', async ({ context }) => {
  const board = uniqueBoard('five');
  const pages = await Promise.all([1, 2, 3, 4, 5].map(() => open(context, board)));
  await expectOneCluster(pages, 5);

  // Each tab adds two cards at once; one of them adds a list meanwhile.
  await Promise.all(
    pages.map(async (page, i) => {
      await addCard(page, 'To do', `card ${i + 1}a`);
      await addCard(page, 'To do', `card ${i + 1}b`);
      if (i === 2) {
        await page.getByRole('textbox', { name: 'New list' }).fill('Doing');
        await page.getByRole('button', { name: 'Add the list' }).click();
      }
    }),
  );
  await expect.poll(async () => (await boardOf(pages[0]!))[0]?.cards.length, { timeout: 20_000 }).toBe(10);
  const added = await boardOf(pages[0]!);
  await expectBoards(pages, added);

  // Then each tab edits its own first card's text, and moves its second to the other list, at once.
  await Promise.all(
    pages.map(async (page, i) => {
      const text = page.locator(`.card-text[data-text="card ${i + 1}a"]`);
      await text.fill(`card ${i + 1}a, edited`);
      await text.press('Enter');
      await page.getByRole('button', { name: `Move "card ${i + 1}b" to the next list` }).click();
    }),
  );
  await Promise.all(pages.map(acknowledged));
  const converged = await boardOf(pages[0]!);
  expect([...converged[0]!.cards].sort()).toEqual([1, 2, 3, 4, 5].map((i) => `card ${i}a, edited`));
  expect([...converged[1]!.cards].sort()).toEqual([1, 2, 3, 4, 5].map((i) => `card ${i}b`));
  await expectBoards(pages, converged);
  await expectNoFailure(pages);
});
