import { type BrowserContext, expect, type Page, test } from '@playwright/test';

/** What the collab specs share: opening the app's tabs and reading what they show, through the UI. */

/** As playwright.config.ts computes it. */
export const COLLAB_PORT = Number(process.env.COLLAB_PORT ?? Number(process.env.E2E_PORT ?? 5179) + 10);
export const COLLAB_URL = `http://127.0.0.1:${COLLAB_PORT}/`;

/** A board (and so a cluster and IndexedDB namespace) of its own per test. */
export const uniqueBoard = (label: string) =>
  `${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;

/** Console errors and warnings, and uncaught errors, of every page of the test: there must be none. */
let problems: string[] = [];

/** Call once at the top of a spec: each of its tests fails if a page it opened logged a problem. */
export function expectNoConsoleProblems(): void {
  test.beforeEach(() => {
    problems = [];
  });
  test.afterEach(() => {
    expect(problems).toEqual([]);
  });
}

/** A new tab of `context` (a browser: its tabs share storage) showing `board` of that browser. */
export const open = (context: BrowserContext, board: string): Promise<Page> =>
  openAt(context, `${COLLAB_URL}?board=${board}`);

/** A new tab of `context` at `url` (a link the app gave), once its node runs. */
export async function openAt(context: BrowserContext, url: string): Promise<Page> {
  const page = watched(await context.newPage());
  await page.goto(url);
  await ready(page);
  return page;
}

/** `page`, its console errors and warnings and uncaught errors counted as the test's problems. */
export function watched(page: Page): Page {
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(String(error)));
  return page;
}
export const ready = (page: Page) => page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
export const nodeId = (page: Page) => page.locator('body').getAttribute('data-node-id');

/** The board as a tab shows it: each list's title and its cards' texts, in order. */
export const boardOf = (page: Page) =>
  page.locator('.list').evaluateAll((lists) =>
    lists.map((list) => ({
      title: (list.querySelector('.list-title') as HTMLInputElement).value,
      cards: [...list.querySelectorAll<HTMLInputElement>('.card-text')].map((card) => card.value),
    })),
  );

/** What every tab's inspector says of its own node: the leader it follows and how many voters. */
export const clusterView = (pages: Page[]) =>
  Promise.all(
    pages.map(async (page) => {
      const own = page.locator('#inspector-body tr').first();
      return {
        leader: await own.locator('[data-column="leader"]').textContent(),
        voters: (await own.locator('[data-column="voters"]').textContent())?.split(', ').length,
      };
    }),
  );

/** Waits until the tabs show one cluster of `voters` voters with one leader they all follow. */
export async function expectOneCluster(pages: Page[], voters: number) {
  await expect
    .poll(
      async () => {
        const views = await clusterView(pages);
        const leaders = new Set(views.map((v) => v.leader));
        return { leaders: leaders.has('—') ? 0 : leaders.size, voters: views.map((v) => v.voters) };
      },
      { timeout: 20_000 },
    )
    .toEqual({ leaders: 1, voters: pages.map(() => voters) });
}

/** Every tab shows `expected` (lists and cards, in order). */
export async function expectBoards(pages: Page[], expected: { title: string; cards: string[] }[]) {
  for (const page of pages) await expect.poll(() => boardOf(page), { timeout: 15_000 }).toEqual(expected);
}

export async function addCard(page: Page, list: string, text: string) {
  await page.getByRole('textbox', { name: `New card in ${list}` }).fill(text);
  await page.getByRole('button', { name: `Add the card to ${list}` }).click();
}

/** The role of the tab's own node, from its inspector's first row. */
export const ownRole = (page: Page) => page.locator('#inspector-body tr').first().getAttribute('data-role');

/** A measured duration, in the report and on the console. */
export function report(what: string, ms: number): void {
  test.info().annotations.push({ type: what, description: `${ms} ms` });
  console.log(`${what}: ${ms} ms`);
}

/** No edit failed in any tab. */
export async function expectNoFailure(pages: Page[]) {
  for (const page of pages) await expect(page.getByRole('alert')).toBeHidden();
}

/** Presses Tab until the focus is on the control named `name` (at most 80 times). */
export async function tabToControl(page: Page, name: string): Promise<void> {
  for (let presses = 0; presses < 80; presses++) {
    await page.keyboard.press('Tab');
    if ((await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))) === name) return;
  }
  throw new Error(`Tab never reached ${name}`);
}

/** The id the inspector shows for `page`'s own node: the first 8 characters of its UUID. */
export const shortIdOf = async (page: Page): Promise<string> => (await nodeId(page))!.slice(4, 12);

/** The row of node `id` (a full id) in `page`'s inspector. */
export const inspectorRow = (page: Page, id: string) => page.locator(`#inspector-body tr[data-node="${id}"]`);

/** Which of `pages` runs the leader its own node follows, once they all follow one. */
export async function leaderPage(pages: Page[]): Promise<Page> {
  const roles = await Promise.all(pages.map(ownRole));
  const leader = pages[roles.indexOf('leader')];
  if (!leader) throw new Error(`no tab leads: ${roles.join(', ')}`);
  return leader;
}

/** Three tabs of a new board (named after `label`), once they form one cluster: the leader's tab and the two others. */
export async function threeTabs(context: BrowserContext, label: string) {
  const board = uniqueBoard(label);
  const pages = await Promise.all([1, 2, 3].map(() => open(context, board)));
  await expectOneCluster(pages, 3);
  // An election may start between what the inspectors showed and the roles read here: wait for a leader.
  let leader: Page | undefined;
  await expect
    .poll(
      async () => {
        const roles = await Promise.all(pages.map(ownRole));
        leader = pages[roles.indexOf('leader')];
        return leader !== undefined;
      },
      { timeout: 20_000 },
    )
    .toBe(true);
  const [first, second] = pages.filter((page) => page !== leader) as [Page, Page];
  return { pages, leader: leader!, first, second };
}
