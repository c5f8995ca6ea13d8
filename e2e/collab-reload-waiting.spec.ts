import { type BrowserContext, expect, type Page, test } from '@playwright/test';
import {
  addCard,
  boardOf,
  expectBoards,
  expectNoConsoleProblems,
  expectNoFailure,
  nodeId,
  ready,
  threeTabs,
} from './collab-helpers.js';

/**
 * apps/collab's waiting edits kept across a reload, in real Chromium: two of three tabs stopped
 * (CDP `Debugger.pause`: alive, their identities' locks held, so nothing is adopted, but silent), the
 * third cannot commit; the card the user adds there waits, is kept in localStorage, and the reloaded
 * tab (same identity) shows it waiting and proposes it again; once the two tabs run again it commits
 * once in every tab. An edit that committed before the reload but was still kept (the tab died between
 * the commit and forgetting it) is not applied twice.
 */

expectNoConsoleProblems();
test.describe.configure({ timeout: 120_000 });

const waitingList = (page: Page) => page.getByRole('region', { name: 'Edits waiting for a quorum' });

/** What the tab keeps in localStorage of its waiting edits (waiting-store.ts), as JSON, or null. */
const keptOf = (page: Page) =>
  page.evaluate(() => {
    const key = Object.keys(localStorage).find((k) => k.includes('/waiting-edits/'));
    return key ? { key, value: localStorage.getItem(key)! } : null;
  });

/** Stops the page's script (as a frozen tab); the returned function lets it run again. */
async function pause(context: BrowserContext, page: Page): Promise<() => Promise<void>> {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Debugger.enable');
  const paused = new Promise((resolve) => cdp.once('Debugger.paused', resolve));
  await cdp.send('Debugger.pause');
  await paused;
  return async () => {
    await cdp.send('Debugger.resume');
    await cdp.detach();
  };
}

/** Three tabs; two paused: the returned tab has no quorum, and the card it adds is kept waiting. */
async function cardWaitingAlone(context: BrowserContext, text: string) {
  const { pages, leader, first: alone, second } = await threeTabs(context, 'reload-waiting');
  const resumes = [await pause(context, leader), await pause(context, second)];
  await expect(alone.getByRole('status')).toContainText('No leader', { timeout: 20_000 });
  await addCard(alone, 'To do', text);
  await expect.poll(async () => (await keptOf(alone))?.value ?? '', { timeout: 20_000 }).toContain(text);
  const resume = () => Promise.all(resumes.map((go) => go()));
  return { pages, alone, resume };
}

test('an edit waiting for a quorum survives a reload and commits once', async ({ context }) => {
  const { pages, alone, resume } = await cardWaitingAlone(context, 'offline');
  const id = await nodeId(alone);
  await alone.reload();
  await ready(alone);
  expect(await nodeId(alone)).toBe(id); // the same identity, so the same kept edits
  await expect(waitingList(alone).getByRole('listitem')).toHaveCount(1);
  await expect(waitingList(alone)).toContainText('Adding the card: waiting for a quorum');
  expect((await boardOf(alone))[0]!.cards).toEqual([]);

  await resume();
  await expectBoards(pages, [{ title: 'To do', cards: ['offline'] }]);
  await expect(waitingList(alone)).toBeHidden();
  expect(await keptOf(alone)).toBeNull();
  await addCard(alone, 'To do', 'after');
  await expectBoards(pages, [{ title: 'To do', cards: ['offline', 'after'] }]);
  await expectNoFailure(pages);
});

test('an edit that committed before the reload is not applied again', async ({ context }) => {
  const { pages, alone, resume } = await cardWaitingAlone(context, 'once');
  const kept = (await keptOf(alone))!;
  await resume();
  await expectBoards(pages, [{ title: 'To do', cards: ['once'] }]);
  expect(await keptOf(alone)).toBeNull();
  // As if the tab died after the commit, before it forgot the edit: the reloaded tab proposes it again.
  await alone.evaluate(({ key, value }) => localStorage.setItem(key, value), kept);
  await alone.reload();
  await ready(alone);
  await expect(waitingList(alone)).toBeHidden();
  await expect.poll(() => keptOf(alone)).toBeNull();
  await addCard(alone, 'To do', 'next');
  await expectBoards(pages, [{ title: 'To do', cards: ['once', 'next'] }]);
  await expectNoFailure(pages);
});
