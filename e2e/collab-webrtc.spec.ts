import { expect, type Page, test } from '@playwright/test';
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
  tabToControl,
} from './collab-helpers.js';

/**
 * apps/collab shared between two devices over WebRTC (`via=webrtc`): each device a browser context of
 * its own, a real relay process (`webraft-server --port 0`) carrying their signaling only. The relay's
 * `/metrics` tell what went through it: signals, and no Raft message once the data channels are open.
 * WebRTC over loopback needs the flags and the camera/microphone permission of playwright.config.ts.
 */

expectNoConsoleProblems();

/** The sharing form's choice of how a shared board's devices connect. */
const VIA = 'How the devices of a shared board connect';

let relay: RelayProcess | null = null;
test.beforeEach(async () => {
  relay = await startRelayProcess(['--port', '0']);
});
test.afterEach(async () => {
  const testInfo = test.info();
  // Who connected to the relay and when, and why it closed a connection: what a failure needs.
  if (testInfo.status !== testInfo.expectedStatus && relay)
    await testInfo.attach('relay log', { body: relay.logs.map((l) => JSON.stringify(l)).join('\n') });
  await relay?.stop();
  relay = null;
});

/** A counter of the relay's `/metrics` (Prometheus text format, packages/server). */
async function relayCounter(name: string): Promise<number> {
  const metrics = await (await fetch(`${relay!.url.replace(/^ws/, 'http')}/metrics`)).text();
  const value = new RegExp(`^${name} (\\d+)$`, 'm').exec(metrics)?.[1];
  if (value === undefined) throw new Error(`the relay reports no ${name}`);
  return Number(value);
}

/** Waits until `page` shows an open data channel to each of the room's `members` other members. */
async function expectDirect(page: Page, members: number) {
  await expect(page.locator('[data-direct]')).toHaveAttribute('data-direct', String(members), {
    timeout: 20_000,
  });
  await expect(page.locator('#inspector-body tr').first().locator('[data-column="link"]')).toContainText(
    `WebRTC: ${members} direct`,
  );
}

test('two devices edit the same board over WebRTC, the relay carrying only their signaling', async ({
  browser,
}) => {
  // Two devices loading the app cold, a join and a peer connection: 15-28 s on the loaded two-core
  // machine, too close to the default 30 s.
  test.setTimeout(60_000);
  const [deviceA, deviceB] = await Promise.all([browser.newContext(), browser.newContext()]);
  const a = await openAt(deviceA, `${COLLAB_URL}?relay=${encodeURIComponent(relay!.url)}`);
  // Chosen in the sharing form from the keyboard alone: Tab to the labelled choice, arrow down, Tab on.
  const via = a.getByRole('combobox', { name: VIA });
  await expect(via).toHaveValue('relay');
  await tabToControl(a, VIA);
  await a.keyboard.press('ArrowDown');
  await expect(via).toHaveValue('webrtc');
  await tabToControl(a, 'Start a new shared board');
  await a.keyboard.press('Enter');
  await a.waitForURL(/[?&]via=webrtc/);
  await ready(a);
  await expect(a.locator('[data-relay-state]')).toHaveAttribute('data-relay-state', 'open');
  const link = await a.locator('#room-link').getAttribute('href');
  expect(new URL(link!).searchParams.get('via')).toBe('webrtc');

  const b = await openAt(deviceB, link!);
  await expect(b.getByRole('combobox', { name: VIA })).toHaveValue('webrtc');
  const pages = [a, b];
  await expectOneCluster(pages, 2);
  await Promise.all(pages.map((page) => expectDirect(page, 1)));

  expect(await relayCounter('webraft_signals_relayed_total')).toBeGreaterThan(0);
  const relayedBefore = await relayCounter('webraft_messages_relayed_total');

  await addCard(a, 'To do', 'from A');
  await expectBoards(pages, [{ title: 'To do', cards: ['from A'] }]);
  await addCard(b, 'To do', 'from B');
  await b.getByRole('textbox', { name: 'New list' }).fill('Doing');
  await b.getByRole('button', { name: 'Add the list' }).click();
  await expectBoards(pages, [
    { title: 'To do', cards: ['from A', 'from B'] },
    { title: 'Doing', cards: [] },
  ]);
  await a.getByRole('button', { name: 'Move "from B" to the next list' }).click();
  await expectBoards(pages, [
    { title: 'To do', cards: ['from A'] },
    { title: 'Doing', cards: ['from B'] },
  ]);
  // Four edits committed and applied on both devices, heartbeats between them: none through the relay.
  expect(await relayCounter('webraft_messages_relayed_total')).toBe(relayedBefore);
  await expectNoFailure(pages);
  await Promise.all([deviceA.close(), deviceB.close()]);
});
