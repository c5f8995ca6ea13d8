import { type BrowserContext, expect, type Page, test } from '@playwright/test';

interface Row {
  key: string;
  clock: number;
  writer: string;
  deleted: boolean;
  value: unknown;
}
interface Replica {
  errorCodes: string[];
  setOffline(offline: boolean): void;
  put(key: string, value: unknown): Promise<void>;
  del(key: string): Promise<void>;
  dump(): Promise<Row[]>;
  audit(): Promise<string[]>;
}
type W = { replica: Replica };

const IDS = ['a', 'b', 'c'] as const;

async function openTab(context: BrowserContext, id: string, cluster: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`/replicator/tab.html?id=${id}&cluster=${cluster}`);
  await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
  return page;
}

const dumpOf = (page: Page) => page.evaluate(() => (window as unknown as W).replica.dump());
const setOffline = (page: Page, offline: boolean) =>
  page.evaluate((o) => (window as unknown as W).replica.setOffline(o), offline);
const put = (page: Page, key: string, value: string) =>
  page.evaluate(([k, v]) => (window as unknown as W).replica.put(k, v), [key, value] as const);
const del = (page: Page, key: string) => page.evaluate((k) => (window as unknown as W).replica.del(k), key);

/** Waits until every tab holds exactly `expected` (values, versions and tombstones). */
async function convergeTo(pages: Map<string, Page>, expected: Row[], message: string) {
  for (const [id, page] of pages) {
    await expect
      .poll(() => dumpOf(page), { timeout: 20_000, message: `${message}: tab ${id}` })
      .toEqual(expected);
  }
}

const row = (key: string, clock: number, writer: string, value: string | null): Row => ({
  key,
  clock,
  writer,
  deleted: value === null,
  value,
});

test('3 tabs on browser-level write while cut off from each other, converge once reconnected, and a reload keeps the data', async ({
  context,
}) => {
  test.setTimeout(90_000);
  const cluster = `rep-${Date.now().toString(36)}`;
  const pages = new Map<string, Page>();
  for (const id of IDS) pages.set(id, await openTab(context, id, cluster));
  const tab = (id: string) => pages.get(id)!;

  // Online: a's first writes reach every tab (clock 0, writer a).
  for (const key of ['shared', 'doomed', 'kept']) await put(tab('a'), key, `${key}-a0`);
  await convergeTo(
    pages,
    [row('doomed', 0, 'a', 'doomed-a0'), row('kept', 0, 'a', 'kept-a0'), row('shared', 0, 'a', 'shared-a0')],
    'the online writes spread',
  );

  // Cut off from each other, every tab writes.
  for (const page of pages.values()) await setOffline(page, true);
  for (const id of IDS) await put(tab(id), 'shared', `shared-${id}1`); // clock 1 on all three: a conflict
  await del(tab('b'), 'doomed'); // clock 1: a tombstone
  await put(tab('a'), 'kept', 'kept-a1');
  await put(tab('a'), 'kept', 'kept-a2'); // clock 2: a's second write after seeing its first
  await put(tab('c'), 'kept', 'kept-c1'); // clock 1: loses to a's clock 2 although c > a
  for (const id of IDS) await put(tab(id), `only-${id}`, `only-${id}0`);
  await put(tab('a'), 'gone', 'gone-a0');
  await del(tab('a'), 'gone'); // clock 1: a tombstone of a key no other tab has seen
  // Still cut off: nothing crossed (b holds only its own writes and a's online ones).
  expect(await dumpOf(tab('b'))).toEqual([
    row('doomed', 1, 'b', null),
    row('kept', 0, 'a', 'kept-a0'),
    row('only-b', 0, 'b', 'only-b0'),
    row('shared', 1, 'b', 'shared-b1'),
  ]);

  // Reconnected: every tab ends with the same versions, as the rules say. Equal clocks go to the
  // default resolver (the larger writer id wins), a larger clock wins whatever the writer.
  for (const page of pages.values()) await setOffline(page, false);
  const expected = [
    row('doomed', 1, 'b', null),
    row('gone', 1, 'a', null),
    row('kept', 2, 'a', 'kept-a2'),
    row('only-a', 0, 'a', 'only-a0'),
    row('only-b', 0, 'b', 'only-b0'),
    row('only-c', 0, 'c', 'only-c0'),
    row('shared', 1, 'c', 'shared-c1'),
  ];
  await convergeTo(pages, expected, 'the tabs converge after reconnecting');
  for (const [id, page] of pages) {
    expect(await page.evaluate(() => (window as unknown as W).replica.audit()), `audit of tab ${id}`).toEqual(
      [],
    );
  }

  // A reload reopens the same IndexedDB: the data is there while the tab is still cut off (it came from
  // disk, not from the other tabs), value, log and index agreeing.
  const b = tab('b');
  await b.goto(`/replicator/tab.html?id=b&cluster=${cluster}&offline=1`);
  await b.waitForSelector('body[data-ready="true"]', { state: 'attached' });
  expect(await dumpOf(b)).toEqual(expected);
  expect(await b.evaluate(() => (window as unknown as W).replica.audit())).toEqual([]);
});
