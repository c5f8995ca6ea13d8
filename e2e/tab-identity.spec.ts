import { type Browser, type BrowserContext, expect, type Page, test } from '@playwright/test';

/**
 * @webraft/tab in Chromium, on the real sessionStorage, localStorage, Web Locks and IndexedDB: a
 * reloaded tab keeps its id and its log; a duplicated tab gets a new id; two tabs never share an id or
 * data; an id whose IndexedDB was cleared (CDP) is never run again; listIdentities tells live tabs' ids
 * from closed ones', and a closed tab's id can be adopted; the back/forward cache.
 */

interface Listed {
  id: string;
  held: boolean;
  hasData: boolean | undefined;
  used: boolean;
  lost: boolean;
}
interface TabPage {
  id: string;
  lostId: string | null;
  storedBefore: string | null;
  runNode(commands: string[]): Promise<unknown[]>;
  dump(): Promise<unknown[]>;
  loadWithMarker(): Promise<{ name: string; code: string } | 'ok'>;
  databases(): Promise<string[]>;
  list(): Promise<Listed[]>;
  adoptAndRun(
    id: string,
    commands: string[],
    keep?: boolean,
  ): Promise<unknown[] | { name: string; code: string }>;
  held(): boolean;
  restores(): number;
  openDuplicate(): void;
}
type W = { tab: TabPage };

const uniqueCluster = (label: string) =>
  `${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;

const ready = (page: Page) => page.waitForSelector('body[data-ready="true"]', { state: 'attached' });

async function open(context: BrowserContext, cluster: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`/tab/tab.html?cluster=${cluster}`);
  await ready(page);
  return page;
}

const tabOf = <K extends keyof TabPage>(page: Page, key: K) =>
  page.evaluate((k) => (window as unknown as W).tab[k], key) as Promise<TabPage[K]>;
const run = (page: Page, commands: string[]) =>
  page.evaluate((c) => (window as unknown as W).tab.runNode(c), commands);
const dump = (page: Page) => page.evaluate(() => (window as unknown as W).tab.dump());
const list = (page: Page) => page.evaluate(() => (window as unknown as W).tab.list());
const adoptAndRun = (page: Page, id: string, commands: string[], keep = false) =>
  page.evaluate(([i, c, k]) => (window as unknown as W).tab.adoptAndRun(i, c, k), [
    id,
    commands,
    keep,
  ] as const);

test('a reloaded tab keeps its identity and its IndexedDB log', async ({ context }) => {
  const page = await open(context, uniqueCluster('reload'));
  const id = await tabOf(page, 'id');
  expect(id).toMatch(/^tab-/);
  expect(await run(page, ['one', 'two'])).toEqual(['one', 'two']);
  for (const round of [1, 2, 3]) {
    await page.reload();
    await ready(page);
    expect(await tabOf(page, 'id'), `reload ${round}`).toBe(id);
    expect(await tabOf(page, 'lostId')).toBeNull();
  }
  // The node restarted under the same id from its own log: the old commands replay before the new one.
  expect(await run(page, ['three'])).toEqual(['one', 'two', 'three']);
  expect(await dump(page)).toEqual(['one', 'two', 'three']);
});

test('a duplicated tab (window.open copies sessionStorage) gets a fresh id', async ({ context }) => {
  const page = await open(context, uniqueCluster('duplicate'));
  const id = await tabOf(page, 'id');
  await run(page, ['original']);
  const popup = context.waitForEvent('page');
  await page.evaluate(() => (window as unknown as W).tab.openDuplicate());
  const duplicate = await popup;
  await ready(duplicate);
  // Chromium did copy sessionStorage: the duplicate found the original's id, whose lock was held.
  expect(await tabOf(duplicate, 'storedBefore')).toBe(id);
  const copyId = await tabOf(duplicate, 'id');
  expect(copyId).not.toBe(id);
  expect(await tabOf(duplicate, 'lostId')).toBeNull();
  expect(await dump(duplicate)).toEqual([]);
  // Each keeps its own id across a reload.
  await duplicate.reload();
  await ready(duplicate);
  expect(await tabOf(duplicate, 'id')).toBe(copyId);
  await page.reload();
  await ready(page);
  expect(await tabOf(page, 'id')).toBe(id);
});

test('two tabs have their own ids and never see each other’s data', async ({ context }) => {
  const cluster = uniqueCluster('two');
  const one = await open(context, cluster);
  const two = await open(context, cluster);
  const [idOne, idTwo] = [await tabOf(one, 'id'), await tabOf(two, 'id')];
  expect(idOne).not.toBe(idTwo);
  await run(one, ['one-a']);
  await run(two, ['two-a', 'two-b']);
  await run(one, ['one-b']);
  expect(await dump(one)).toEqual(['one-a', 'one-b']);
  expect(await dump(two)).toEqual(['two-a', 'two-b']);
  const databases = (await one.evaluate(() => (window as unknown as W).tab.databases())).sort();
  expect(databases).toEqual([idOne, idTwo].map((id) => `webraft/tab-e2e-${cluster}/${id}`).sort());
});

test('IndexedDB cleared under a used identity (CDP Storage.clearDataForOrigin): StorageLostError, then a new id after reload', async ({
  context,
}) => {
  const page = await open(context, uniqueCluster('lost'));
  const id = await tabOf(page, 'id');
  await run(page, ['before']);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Storage.clearDataForOrigin', {
    origin: new URL(page.url()).origin,
    storageTypes: 'indexeddb',
  });
  expect(await page.evaluate(() => (window as unknown as W).tab.databases())).toEqual([]);
  expect(await page.evaluate(() => (window as unknown as W).tab.loadWithMarker())).toEqual({
    name: 'StorageLostError',
    code: 'LOST',
  });
  await page.reload();
  await ready(page);
  const newId = await tabOf(page, 'id');
  expect(newId).not.toBe(id);
  expect(await tabOf(page, 'lostId')).toBe(id);
  // The new id starts empty, as a new node; the old one is listed as lost, never to be claimed again.
  expect(await page.evaluate(() => (window as unknown as W).tab.loadWithMarker())).toBe('ok');
  expect(await run(page, ['after'])).toEqual(['after']);
  expect(await list(page)).toEqual(
    expect.arrayContaining([
      { id, held: false, hasData: false, used: true, lost: true },
      { id: newId, held: true, hasData: true, used: true, lost: false },
    ]),
  );
});

test('listIdentities: a live tab’s id is held, a closed tab’s is not (and can be adopted)', async ({
  context,
}) => {
  const cluster = uniqueCluster('list');
  const live = await open(context, cluster);
  const closing = await open(context, cluster);
  const [liveId, closedId] = [await tabOf(live, 'id'), await tabOf(closing, 'id')];
  await run(closing, ['kept']);
  const byId = async () => Object.fromEntries((await list(live)).map((l) => [l.id, l]));
  expect(await byId()).toMatchObject({
    [liveId]: { held: true, hasData: false, used: false },
    [closedId]: { held: true, hasData: true, used: true },
  });
  // Held by a live tab: adoption is refused.
  expect(await adoptAndRun(live, closedId, ['stolen'])).toEqual({ name: 'TabIdentityError', code: 'HELD' });
  await closing.close();
  // The browser lets a closed tab's locks go once its document is gone: wait for that, not a time.
  await expect.poll(async () => (await byId())[closedId]?.held, { timeout: 10_000 }).toBe(false);
  expect((await byId())[liveId]?.held).toBe(true);
  expect((await byId())[closedId]).toMatchObject({ hasData: true, used: true, lost: false });
  // Free: the live tab adopts it and runs that node from its own log.
  expect(await adoptAndRun(live, closedId, ['adopted'])).toEqual(['kept', 'adopted']);
});

/**
 * The back/forward cache, which Playwright turns off by default (`--disable-back-forward-cache`): these
 * tests launch a browser of their own with it on. A page is left for another page of the origin, then
 * `goBack()` restores it (a restore fires no `load`, so it waits for the commit).
 */
test.describe('the back/forward cache', () => {
  let browser: Browser;
  test.beforeAll(async ({ playwright }, testInfo) => {
    browser = await playwright.chromium.launch({
      ...testInfo.project.use.launchOptions,
      ignoreDefaultArgs: ['--disable-back-forward-cache'],
    });
  });
  test.afterAll(() => browser.close());

  async function cachedPage(query: string): Promise<{ context: BrowserContext; page: Page; id: string }> {
    const context = await browser.newContext({ baseURL: test.info().project.use.baseURL });
    const page = await context.newPage();
    await page.goto(`/tab/tab.html?${query}`);
    await ready(page);
    const id = await tabOf(page, 'id');
    await run(page, ['cached']);
    await page.goto('/index.html');
    return { context, page, id };
  }

  const back = (page: Page) => page.goBack({ waitUntil: 'commit' });

  test('pagehide lets the lock go while the page is cached; pageshow takes it back, same id', async () => {
    const cluster = uniqueCluster('bfcache');
    const { context, page, id } = await cachedPage(`cluster=${cluster}`);
    const other = await open(context, cluster);
    const heldOf = async () => (await list(other)).find((l) => l.id === id)?.held;
    await expect.poll(heldOf).toBe(false);
    await back(page);
    await page.waitForSelector('body[data-restored="1"]', { state: 'attached' });
    expect(await tabOf(page, 'id')).toBe(id);
    await expect.poll(() => page.evaluate(() => (window as unknown as W).tab.held())).toBe(true);
    await expect.poll(heldOf).toBe(true);
    await context.close();
  });

  test('another tab adopted the id while the page was cached: TAKEN_OVER reloads the page, which gets a new id', async () => {
    const cluster = uniqueCluster('bfcache-taken');
    const { context, page, id } = await cachedPage(`cluster=${cluster}`);
    const other = await open(context, cluster);
    await expect.poll(async () => (await list(other)).find((l) => l.id === id)?.held).toBe(false);
    expect(await adoptAndRun(other, id, ['adopter'], true)).toEqual(['cached', 'adopter']);
    const reloaded = page.waitForEvent('load');
    await back(page);
    await reloaded;
    await ready(page);
    const newId = await tabOf(page, 'id');
    expect(newId).not.toBe(id);
    expect(await tabOf(page, 'storedBefore')).toBe(id);
    // Restored first (and only then reloaded by TAKEN_OVER), not evicted from the cache.
    expect(await page.evaluate(() => (window as unknown as W).tab.restores())).toBe(1);
    expect(await dump(page)).toEqual([]);
    await context.close();
  });

  test('releaseOnPagehide false: the lock stays held while cached; Chromium evicts the page when another tab takes the id', async () => {
    const cluster = uniqueCluster('bfcache-held');
    const { context, page, id } = await cachedPage(`cluster=${cluster}&releaseOnPagehide=false`);
    const other = await open(context, cluster);
    expect((await list(other)).find((l) => l.id === id)?.held).toBe(true);
    expect(await adoptAndRun(other, id, ['adopter'], true)).toEqual(['cached', 'adopter']);
    const loaded = page.waitForEvent('load');
    await back(page);
    await loaded;
    await ready(page);
    expect(await tabOf(page, 'id')).not.toBe(id);
    // Evicted, never restored: the stale node in the cached page never ran again.
    expect(await page.evaluate(() => (window as unknown as W).tab.restores())).toBe(0);
    await context.close();
  });
});
