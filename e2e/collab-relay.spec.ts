import { expect, test } from '@playwright/test';
import { type RelayProcess, startRelayProcess } from '@webraft/server/testing';
import {
  addCard,
  COLLAB_URL,
  expectBoards,
  expectNoConsoleProblems,
  expectNoFailure,
  expectOneCluster,
  openAt,
  ready,
  watched,
} from './collab-helpers.js';

/**
 * apps/collab shared between devices through a real relay (`webraft-server`, a process started here):
 * each device is a browser context of its own (its own IndexedDB, localStorage, Web Locks and
 * BroadcastChannel), so the relay is the only way between them. Driven through the UI: one device
 * starts a shared board, the other opens the link it shows.
 */

expectNoConsoleProblems();

let relay: RelayProcess | null = null;
test.beforeEach(async () => {
  relay = await startRelayProcess(['--port', '0']);
});
test.afterEach(async () => {
  await relay?.stop();
  relay = null;
});

test('two devices edit the same board through the relay', async ({ browser }) => {
  const [deviceA, deviceB] = await Promise.all([browser.newContext(), browser.newContext()]);
  const a = await openAt(deviceA, `${COLLAB_URL}?relay=${encodeURIComponent(relay!.url)}`);
  await expect(a.locator('#sharing-text')).toContainText('shared by the tabs of this browser');
  await a.getByRole('button', { name: 'Start a new shared board' }).click();
  await a.waitForURL(/[?&]room=/);
  await ready(a);
  await expect(a.locator('[data-relay-state]')).toHaveAttribute('data-relay-state', 'open');
  // The founder's page keeps no `found` in its address: a reload or a copied link joins.
  expect(new URL(a.url()).searchParams.get('found')).toBeNull();
  const link = await a.locator('#room-link').getAttribute('href');
  expect(new URL(link!).searchParams.get('found')).toBeNull();

  // Device B opens the link (and a second tab, which finds its own browser's tab cluster).
  const b = await openAt(deviceB, link!);
  const b2 = await openAt(deviceB, link!);
  const pages = [a, b, b2];
  await expectOneCluster(pages, 3);

  await addCard(a, 'To do', 'from A');
  await expectBoards(pages, [{ title: 'To do', cards: ['from A'] }]);
  await addCard(b, 'To do', 'from B');
  await b2.getByRole('textbox', { name: 'New list' }).fill('Doing');
  await b2.getByRole('button', { name: 'Add the list' }).click();
  await expectBoards(pages, [
    { title: 'To do', cards: ['from A', 'from B'] },
    { title: 'Doing', cards: [] },
  ]);
  await a.getByRole('button', { name: 'Move "from B" to the next list' }).click();
  await expectBoards(pages, [
    { title: 'To do', cards: ['from A'] },
    { title: 'Doing', cards: ['from B'] },
  ]);
  await expectNoFailure(pages);
  await Promise.all([deviceA.close(), deviceB.close()]);
});

test('a device that opens a room first waits for its founder and never founds a cluster itself', async ({
  browser,
}) => {
  const [deviceA, deviceB] = await Promise.all([browser.newContext(), browser.newContext()]);
  const room = `early-${Date.now().toString(36)}`;
  const relayParam = encodeURIComponent(relay!.url);
  const early = watched(await deviceB.newPage());
  await early.goto(`${COLLAB_URL}?room=${room}&relay=${relayParam}`);
  await expect(early.getByRole('status')).toContainText(`Joining room ${room}`);

  // Only now does device A create the room (as "New shared board" does, with this room's name).
  const founder = await openAt(deviceA, `${COLLAB_URL}?room=${room}&relay=${relayParam}&found=1`);
  await ready(early);
  await expectOneCluster([founder, early], 2);
  await addCard(early, 'To do', 'waited');
  await expectBoards([founder, early], [{ title: 'To do', cards: ['waited'] }]);
  await expectNoFailure([founder, early]);
  await Promise.all([deviceA.close(), deviceB.close()]);
});
