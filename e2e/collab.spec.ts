import { type BrowserContext, expect, type Page, test } from '@playwright/test';
import {
  addCard,
  boardOf,
  clusterView,
  expectBoards,
  expectNoConsoleProblems,
  expectNoFailure,
  expectOneCluster,
  nodeId,
  open,
  ownRole,
  ready,
  report,
  tabToControl,
  uniqueBoard,
} from './collab-helpers.js';

/**
 * apps/collab in Chromium, driven through its UI like a user, on the real BroadcastChannel, IndexedDB,
 * localStorage and Web Locks (no mocks): tabs of one browser form one cluster and converge on the
 * same board; a reload keeps the board; the tabs left after the leader's tab closes still edit; the
 * board's edits (rename, move, delete) reach every tab. Served by the app's own Vite server
 * (playwright.config.ts, COLLAB_PORT).
 */

expectNoConsoleProblems();

/**
 * Three tabs of a new board form one cluster, then each adds a card at the same time. Resolves once
 * every tab shows the same board with the three cards, in the same order: the order the log gave the
 * three patches.
 */
async function threeTabsAddingAtOnce(context: BrowserContext, label: string) {
  const board = uniqueBoard(label);
  const pages = await Promise.all([1, 2, 3].map(() => open(context, board)));
  await expectOneCluster(pages, 3);
  await Promise.all(pages.map((page, i) => addCard(page, 'To do', `card ${i + 1}`)));
  await expect.poll(async () => (await boardOf(pages[0]!))[0]?.cards.length, { timeout: 15_000 }).toBe(3);
  const converged = await boardOf(pages[0]!);
  expect([...converged[0]!.cards].sort()).toEqual(['card 1', 'card 2', 'card 3']);
  await expectBoards(pages, converged);
  return { board, pages, converged };
}

test('3 tabs form one cluster, add a card each at once and converge; a reload keeps the board', async ({
  context,
}) => {
  const { pages, converged } = await threeTabsAddingAtOnce(context, 'converge');
  await expectNoFailure(pages);
  // The status line: the leader's tab says so, the others follow.
  const roles = await Promise.all(pages.map(ownRole));
  for (const [i, page] of pages.entries()) {
    await expect(page.getByRole('status')).toContainText(
      roles[i] === 'leader' ? 'Leader (this tab)' : 'Follower',
    );
  }

  const id = await nodeId(pages[1]!);
  await pages[1]!.reload();
  await ready(pages[1]!);
  expect(await nodeId(pages[1]!)).toBe(id); // the same node, resumed from IndexedDB
  await expectBoards([pages[1]!], converged);
  await addCard(pages[1]!, 'To do', 'after the reload');
  await expectBoards(pages, [{ title: 'To do', cards: [...converged[0]!.cards, 'after the reload'] }]);
});

test('the leader tab closes gracefully: the other tabs still edit', async ({ context }) => {
  const board = uniqueBoard('leader-closed');
  const pages = await Promise.all([1, 2, 3].map(() => open(context, board)));
  await expectOneCluster(pages, 3);
  await addCard(pages[0]!, 'To do', 'before');
  await expectBoards(pages, [{ title: 'To do', cards: ['before'] }]);

  const roles = await Promise.all(pages.map(ownRole));
  const leader = pages[roles.indexOf('leader')]!;
  const others = pages.filter((page) => page !== leader);
  const started = Date.now();
  await leader.close({ runBeforeUnload: true });

  await addCard(others[0]!, 'To do', 'after');
  await expectBoards(others, [{ title: 'To do', cards: ['before', 'after'] }]);
  report('leader tab closed to the next edit shown in both tabs', Date.now() - started);
  await addCard(others[1]!, 'To do', 'and after');
  await expect.poll(async () => (await boardOf(others[0]!))[0]?.cards.length, { timeout: 15_000 }).toBe(3);
  const after = await boardOf(others[0]!);
  expect(after[0]!.cards[0]).toBe('before');
  await expectBoards(others, after);
  await expectNoFailure(others);
  // A new leader, among the tabs left, that both follow (the inspector shows ids' first 8 characters).
  const shortIds = (await Promise.all(others.map(nodeId))).map((id) => id!.slice(4, 12));
  await expect
    .poll(async () => {
      const leaders = new Set((await clusterView(others)).map((v) => v.leader));
      return leaders.size === 1 && shortIds.includes([...leaders][0]!);
    })
    .toBe(true);
});

test('the leader tab hidden (visibilitychange) hands off: another tab leads, every tab still edits', async ({
  context,
}) => {
  const { pages } = await threeTabsAddingAtOnce(context, 'hidden');
  const roles = await Promise.all(pages.map(ownRole));
  const hidden = pages[roles.indexOf('leader')]!;
  // Headless Chromium never hides a page: the page is told it is hidden, as a real one would be.
  await hidden.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  await expect.poll(() => ownRole(hidden)).toBe('follower');
  await expect(hidden.getByRole('status')).toContainText('Follower');
  for (const [i, page] of pages.entries()) await addCard(page, 'To do', `after ${i + 1}`);
  await expect.poll(async () => (await boardOf(pages[0]!))[0]?.cards.length, { timeout: 15_000 }).toBe(6);
  await expectBoards(pages, await boardOf(pages[0]!));
  await expectNoFailure(pages);
});

test('rename, move and delete reach every tab', async ({ context }) => {
  const board = uniqueBoard('edits');
  const pages = await Promise.all([1, 2].map(() => open(context, board)));
  await expectOneCluster(pages, 2);
  const [a, b] = pages as [Page, Page];

  await a.getByRole('textbox', { name: 'New list' }).fill('Doing');
  await a.getByRole('button', { name: 'Add the list' }).click();
  await addCard(a, 'To do', 'one');
  await addCard(a, 'To do', 'two');
  await expectBoards(pages, [
    { title: 'To do', cards: ['one', 'two'] },
    { title: 'Doing', cards: [] },
  ]);

  await b.getByRole('button', { name: 'Move "two" up' }).click();
  await expectBoards(pages, [
    { title: 'To do', cards: ['two', 'one'] },
    { title: 'Doing', cards: [] },
  ]);
  await a.getByRole('button', { name: 'Move "one" to the next list' }).click();
  await expectBoards(pages, [
    { title: 'To do', cards: ['two'] },
    { title: 'Doing', cards: ['one'] },
  ]);
  const title = b.getByRole('textbox', { name: 'Title of list Doing' });
  await title.fill('Done');
  await title.press('Enter');
  const text = a.getByRole('textbox', { name: 'Card text' }).first();
  await text.fill('two, edited');
  await text.press('Enter');
  await expectBoards(pages, [
    { title: 'To do', cards: ['two, edited'] },
    { title: 'Done', cards: ['one'] },
  ]);
  await b.getByRole('button', { name: 'Delete "one"' }).click();
  await a.getByRole('button', { name: 'Delete list To do' }).click();
  await expectBoards(pages, [{ title: 'Done', cards: [] }]);
  await expectNoFailure(pages);
});

test('an edit racing another tab’s edit of the same card fails visibly and changes nothing', async ({
  context,
}) => {
  const board = uniqueBoard('conflict');
  const pages = await Promise.all([1, 2].map(() => open(context, board)));
  await expectOneCluster(pages, 2);
  const [a, b] = pages as [Page, Page];
  await addCard(a, 'To do', 'draft');
  await expectBoards(pages, [{ title: 'To do', cards: ['draft'] }]);

  // A starts typing; meanwhile B changes the card and commits.
  const inA = a.getByRole('textbox', { name: 'Card text' });
  await inA.fill('A’s version');
  const inB = b.getByRole('textbox', { name: 'Card text' });
  await inB.fill('B’s version');
  await inB.press('Enter');
  await expect.poll(() => a.locator('.card-text').getAttribute('data-text')).toBe('B’s version');
  await expect(inA).toHaveValue('A’s version'); // the redraw kept what A was typing
  await expect(a.getByRole('alert')).toBeHidden();

  // A's edit was built on the text it started from: its test op fails, PatchConflictError, shown.
  await inA.press('Enter');
  await expect(a.getByRole('alert')).toContainText('another tab changed this first');
  await expect(inA).toHaveValue('B’s version');
  await expectBoards(pages, [{ title: 'To do', cards: ['B’s version'] }]);
  await a.getByRole('button', { name: 'Dismiss the error' }).click();
  await expect(a.getByRole('alert')).toBeHidden();
});

test('a click held down while another tab’s edit is drawn still lands: the board keeps its elements', async ({
  context,
}) => {
  const board = uniqueBoard('held-click');
  const pages = await Promise.all([1, 2].map(() => open(context, board)));
  await expectOneCluster(pages, 2);
  const [a, b] = pages as [Page, Page];
  await addCard(a, 'To do', 'first');
  await expectBoards(pages, [{ title: 'To do', cards: ['first'] }]);

  // A presses its Add button: mouse down, not yet up.
  await a.getByRole('textbox', { name: 'New card in To do' }).fill('second');
  const box = (await a.getByRole('button', { name: 'Add the card to To do' }).boundingBox())!;
  await a.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await a.mouse.down();
  // Meanwhile B renames the list's card, and A draws it. A button taken out of the page between
  // mousedown and mouseup (redrawn, or moved into a redrawn list) gets no click: the press is lost.
  const inB = b.getByRole('textbox', { name: 'Card text' });
  await inB.fill('first, renamed');
  await inB.press('Enter');
  await expect.poll(() => a.locator('.card-text').first().getAttribute('data-text')).toBe('first, renamed');
  await a.mouse.up();
  await expectBoards(pages, [{ title: 'To do', cards: ['first, renamed', 'second'] }]);
  await expectNoFailure(pages);
});

test('the board works from the keyboard alone, and every control has a name', async ({ context }) => {
  const page = await open(context, uniqueBoard('keyboard'));
  await expect(page.getByRole('status')).toContainText('Leader (this tab)');
  const tabTo = (name: string) => tabToControl(page, name);
  await tabTo('New card in To do');
  await page.keyboard.type('typed');
  await page.keyboard.press('Enter');
  await expectBoards([page], [{ title: 'To do', cards: ['typed'] }]);
  await tabTo('Delete "typed"');
  await page.keyboard.press('Enter');
  await expectBoards([page], [{ title: 'To do', cards: [] }]);
  const unnamed = await page
    .locator('button, input, select')
    .evaluateAll((controls) => controls.filter((c) => !c.getAttribute('aria-label')).map((c) => c.outerHTML));
  expect(unnamed).toEqual([]);
});

test('two of three tabs closed at the same instant: the last tab’s edit waits, then commits', async ({
  context,
}) => {
  const board = uniqueBoard('two-closed');
  const pages = await Promise.all([1, 2, 3].map(() => open(context, board)));
  await expectOneCluster(pages, 3);
  await addCard(pages[0]!, 'To do', 'before');
  await expectBoards(pages, [{ title: 'To do', cards: ['before'] }]);

  const [last, ...closing] = pages as [Page, Page, Page];
  const started = Date.now();
  await Promise.all(closing.map((page) => page.close()));
  // No majority until the tab adopts a closed tab's node (packages/tab/README.md, Adoption).
  await addCard(last, 'To do', 'after');
  await expect
    .poll(async () => (await boardOf(last))[0]?.cards, { timeout: 15_000 })
    .toEqual(['before', 'after']);
  // Committed, not only shown: nothing in flight any more, and the tab runs an adopted node.
  await expect(last.getByRole('status')).not.toContainText('in flight');
  await expect
    .poll(() => last.locator('#inspector-body tr[data-host="self"]').count())
    .toBeGreaterThanOrEqual(2);
  report('two of three closed to the next edit committed', Date.now() - started);
  await expectNoFailure([last]);
});

test('every tab closed, one reopened: the board is still there and editable', async ({ context }) => {
  const { board, pages, converged: before } = await threeTabsAddingAtOnce(context, 'reopen');
  await Promise.all(pages.map((page) => page.close()));

  // A fresh tab (a new identity) adopts the closed tabs' nodes and carries on from their logs.
  const fresh = await open(context, board);
  await expectBoards([fresh], before);
  await addCard(fresh, 'To do', 'reopened');
  await expectBoards([fresh], [{ title: 'To do', cards: [...before[0]!.cards, 'reopened'] }]);
  await expect(fresh.getByRole('status')).not.toContainText('in flight');
  await expectNoFailure([fresh]);
});
