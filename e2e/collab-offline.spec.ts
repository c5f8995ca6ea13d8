import { expect, type Page, test } from '@playwright/test';
import {
  addCard,
  boardOf,
  expectBoards,
  expectNoConsoleProblems,
  expectNoFailure,
  shortIdOf,
  threeTabs,
} from './collab-helpers.js';

/**
 * apps/collab's edits made without a quorum, in real Chromium: a tab cut off from the others (the
 * inspector's Partition) keeps what the user edits in its list of edits waiting for a quorum, past
 * the 15 s an edit is shown on the board; healed, the kept edit commits in every tab and the one the
 * user discarded never does.
 */

expectNoConsoleProblems();
// A 15 s deadline, elections, on a shared two-core machine.
test.describe.configure({ timeout: 120_000 });

const waitingList = (page: Page) => page.getByRole('region', { name: 'Edits waiting for a quorum' });

test('an edit made without a quorum waits in the list until it commits; a discarded one never does', async ({
  context,
}) => {
  const { pages, leader, first: cut, second: other } = await threeTabs(context, 'offline');
  const cutId = await shortIdOf(cut);

  // Cut one follower off, from another tab's inspector; it loses its leader.
  await other.getByRole('button', { name: `Partition node ${cutId}`, exact: true }).click();
  await expect(cut.getByRole('status')).toContainText('No leader', { timeout: 20_000 });
  await addCard(cut, 'To do', 'kept');
  await addCard(cut, 'To do', 'dropped');
  // Past the deadline: both leave its board for the waiting list; no alert, nothing elsewhere.
  await expect(waitingList(cut).getByRole('listitem')).toHaveCount(2, { timeout: 30_000 });
  await expect(waitingList(cut)).toContainText('Adding the card: waiting for a quorum');
  expect((await boardOf(cut))[0]!.cards).toEqual([]);
  await expect(waitingList(leader)).toBeHidden();
  expect((await boardOf(leader))[0]!.cards).toEqual([]);

  await cut.getByRole('button', { name: 'Discard waiting edit 2: Adding the card', exact: true }).click();
  await expect(waitingList(cut).getByRole('listitem')).toHaveCount(1);
  await other.getByRole('button', { name: `Heal node ${cutId}`, exact: true }).click();
  // The kept edit commits and shows in every tab; the discarded one nowhere.
  await expectBoards(pages, [{ title: 'To do', cards: ['kept'] }]);
  await expect(waitingList(cut)).toBeHidden();
  await addCard(leader, 'To do', 'after');
  await expectBoards(pages, [{ title: 'To do', cards: ['kept', 'after'] }]);
  await expectNoFailure(pages);
});
