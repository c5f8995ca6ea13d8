import { expect, type Page, test } from '@playwright/test';
import {
  addCard,
  boardOf,
  clusterView,
  expectBoards,
  expectNoConsoleProblems,
  expectNoFailure,
  expectOneCluster,
  inspectorRow,
  nodeId,
  ownRole,
  shortIdOf,
  tabToControl,
  threeTabs,
} from './collab-helpers.js';

/**
 * apps/collab's cluster inspector: every tab's inspector shows the nodes of all the board's tabs in
 * this browser, and its controls (hide, freeze, close, partition, transfer leadership) act through
 * the tab that runs the node. Driven from the keyboard (Tab to the control, Enter) in real Chromium.
 */

expectNoConsoleProblems();
// Three tabs, elections and a 5 s freeze on a shared two-core machine.
test.describe.configure({ timeout: 60_000 });

/**
 * Presses the inspector control named `name` in `page` from the keyboard: focused, then Enter (the
 * first test reaches one with Tab alone).
 */
async function press(page: Page, name: string) {
  await page.getByRole('button', { name, exact: true }).focus();
  await page.keyboard.press('Enter');
}

/** The leader every one of `pages` follows, as the inspectors show it (first 8 characters of its id). */
async function followedLeader(pages: Page[]): Promise<string | null> {
  const leaders = new Set((await clusterView(pages)).map((view) => view.leader));
  return leaders.size === 1 ? [...leaders][0]! : null;
}

test('every tab’s inspector shows all the board’s nodes, and every control is named', async ({ context }) => {
  const { pages } = await threeTabs(context, 'rows');
  const ids = await Promise.all(pages.map((page) => nodeId(page)));
  for (const page of pages) {
    await expect
      .poll(() =>
        page
          .locator('#inspector-body tr[data-node]')
          .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-node')).sort()),
      )
      .toEqual([...ids].sort());
    await expect(page.locator('#inspector-body tr').first()).toHaveAttribute('data-host', 'self');
  }
  await addCard(pages[0]!, 'To do', 'logged');
  await expect(pages[1]!.locator('#log-tail li').first()).toContainText('add /lists/0/cards/-');
  // Reached with Tab alone, and pressed with Enter: the second tab's "Hide" hides it.
  await tabToControl(pages[0]!, `Hide the tab of node ${await shortIdOf(pages[1]!)}`);
  await pages[0]!.keyboard.press('Enter');
  await expect(inspectorRow(pages[0]!, ids[1]!).locator('[data-column="link"]')).toContainText('hidden');
  const unnamed = await pages[0]!
    .locator('#inspector-body button')
    .evaluateAll((buttons) => buttons.filter((b) => !b.getAttribute('aria-label')).length);
  expect(unnamed).toBe(0);
  expect(await pages[0]!.locator('#inspector-body button').count()).toBeGreaterThanOrEqual(15);
});

test('partition the leader from another tab: a new leader, the board goes on; healed, it catches up', async ({
  context,
}) => {
  const { pages, leader, first, second } = await threeTabs(context, 'partition');
  const leaderId = (await nodeId(leader))!;
  await press(first, `Partition node ${await shortIdOf(leader)}`);
  await expect(inspectorRow(first, leaderId)).toHaveAttribute('data-partitioned', 'true');
  // The two others elect one of them; the cut-off leader hears nothing.
  const othersIds = await Promise.all([first, second].map(shortIdOf));
  await expect
    .poll(async () => othersIds.includes((await followedLeader([first, second])) ?? ''), { timeout: 15_000 })
    .toBe(true);
  await addCard(second, 'To do', 'while cut off');
  await expectBoards([first, second], [{ title: 'To do', cards: ['while cut off'] }]);
  expect((await boardOf(leader))[0]!.cards).toEqual([]);

  await press(first, `Heal node ${await shortIdOf(leader)}`);
  await expect(inspectorRow(first, leaderId)).toHaveAttribute('data-partitioned', 'false');
  await expectBoards([leader], [{ title: 'To do', cards: ['while cut off'] }]);
  await expect.poll(() => ownRole(leader), { timeout: 15_000 }).toBe('follower');
  await expectOneCluster(pages, 3);
  await expectNoFailure(pages);
});

test('transfer leadership: "Lead" on a follower’s row, "Hand off" on the leader’s', async ({ context }) => {
  const { pages, leader, first, second } = await threeTabs(context, 'transfer');
  // Pressed in the second tab; the command goes to the leader's tab, which transfers to `first`.
  await press(second, `Make node ${await shortIdOf(first)} the leader`);
  await expect.poll(() => ownRole(first), { timeout: 10_000 }).toBe('leader');
  await expect.poll(() => followedLeader(pages)).toBe(await shortIdOf(first));
  // And back off again from the old leader's tab.
  await press(leader, `Hand leadership off from node ${await shortIdOf(first)}`);
  await expect.poll(() => ownRole(first), { timeout: 10_000 }).toBe('follower');
  const firstId = await shortIdOf(first);
  await expect
    .poll(async () => {
      const followed = await followedLeader(pages);
      return followed !== null && followed !== '—' && followed !== firstId;
    })
    .toBe(true);
  await addCard(first, 'To do', 'after two transfers');
  await expectBoards(pages, [{ title: 'To do', cards: ['after two transfers'] }]);
  await expectNoFailure(pages);
});

test('hide and show the leader’s tab from another tab: it hands off while hidden', async ({ context }) => {
  const { pages, leader, first } = await threeTabs(context, 'hide');
  const id = await shortIdOf(leader);
  await press(first, `Hide the tab of node ${id}`);
  await expect.poll(() => ownRole(leader)).toBe('follower');
  await expect(leader.getByRole('status')).toContainText('Follower');
  await expect(inspectorRow(first, (await nodeId(leader))!).locator('[data-column="link"]')).toContainText(
    'hidden',
  );
  // The focus stayed on the toggle, which now shows the tab again.
  await expect(first.locator(':focus')).toHaveAttribute('aria-label', `Show the tab of node ${id}`);
  await first.keyboard.press('Enter');
  await expect(
    inspectorRow(first, (await nodeId(leader))!).locator('[data-column="link"]'),
  ).not.toContainText('hidden');
  await addCard(leader, 'To do', 'shown again');
  await expectBoards(pages, [{ title: 'To do', cards: ['shown again'] }]);
  await expectNoFailure(pages);
});

test('freeze the leader’s tab: the others elect a leader and edit; thawed, it follows and has every edit', async ({
  context,
}) => {
  const { leader, first, second } = await threeTabs(context, 'freeze');
  const frozenId = await shortIdOf(leader);
  await press(first, `Freeze the tab of node ${frozenId} for 5 s`);
  // While its main thread is blocked, the other two elect one of them and commit.
  const othersIds = await Promise.all([first, second].map(shortIdOf));
  await expect
    .poll(async () => othersIds.includes((await followedLeader([first, second])) ?? ''), { timeout: 15_000 })
    .toBe(true);
  await addCard(second, 'To do', 'while frozen');
  await expectBoards([first, second], [{ title: 'To do', cards: ['while frozen'] }]);
  // Thawed (after 5 s): it learns the new term, steps down and applies what it missed.
  await expectBoards([leader], [{ title: 'To do', cards: ['while frozen'] }]);
  await expect.poll(() => ownRole(leader), { timeout: 15_000 }).toBe('follower');
  await expectNoFailure([leader, first, second]);
});

test('close a tab from another tab’s inspector: its nodes stop, its row goes, the board goes on', async ({
  context,
}) => {
  const { pages, first, second } = await threeTabs(context, 'close');
  const closedId = (await nodeId(second))!;
  await press(first, `Close the tab of node ${await shortIdOf(second)}`);
  await expect(second.locator('body')).toHaveAttribute('data-closed', 'true');
  await expect(second.getByRole('status')).toContainText('closed from the inspector');
  await expect(inspectorRow(first, closedId)).toHaveAttribute('data-role', 'elsewhere');
  const live = pages.filter((page) => page !== second);
  await addCard(first, 'To do', 'after the close');
  await expectBoards(live, [{ title: 'To do', cards: ['after the close'] }]);
  await expectNoFailure(live);
});
