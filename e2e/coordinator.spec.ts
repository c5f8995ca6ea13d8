import { type BrowserContext, expect, type Page, test } from '@playwright/test';

/**
 * apps/coordinator-demo in Chromium, driven through its UI, on the real BroadcastChannel, IndexedDB,
 * localStorage and Web Locks: each tab is a peer in the zone chosen in the page, the peer map is
 * replicated through the tabs' webraft cluster, and puts at each commit level are made while a peer
 * tab is closed. Replicas are checked in the tabs' own IndexedDB databases. Served by the demo's own
 * Vite server (playwright.config.ts, COORDINATOR_PORT).
 */

/** As playwright.config.ts computes it. */
const PORT = Number(process.env.COORDINATOR_PORT ?? Number(process.env.E2E_PORT ?? 5179) + 20);
const URL = `http://127.0.0.1:${PORT}/`;
const uniqueDemo = (label: string) =>
  `${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;

/** Tabs join a cluster and hear of each other through events: on a busy machine that takes a while. */
const EVENTS = { timeout: 20_000 };

let problems: string[] = [];
test.beforeEach(() => {
  // Four tabs join one after the other and put six times: well past the default 30 s when the machine is busy.
  test.setTimeout(120_000);
  problems = [];
});
test.afterEach(() => {
  expect(problems).toEqual([]);
});

async function joinTab(
  context: BrowserContext,
  demo: string,
  zone: string,
): Promise<{ page: Page; id: string }> {
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(String(error)));
  await page.goto(`${URL}?demo=${demo}`);
  await page.getByLabel('Zone of this tab').selectOption(zone);
  await page.getByRole('button', { name: 'Join as a peer' }).click();
  await page.waitForSelector('body[data-ready="true"]', { state: 'attached', ...EVENTS });
  return { page, id: (await page.locator('body').getAttribute('data-peer-id'))! };
}

async function tabs(context: BrowserContext, demo: string, zones: string[]) {
  const opened = [];
  for (const zone of zones) opened.push(await joinTab(context, demo, zone));
  for (const { page } of opened)
    await expect(page.locator('body')).toHaveAttribute('data-peers', String(zones.length), EVENTS);
  return opened;
}

/** Closes `tab` and waits until `watcher` shows it closed (its transport reported the tab gone); returns its id. */
async function closeTab(tab: { page: Page; id: string }, watcher: Page): Promise<string> {
  await tab.page.close();
  await expect(watcher.locator(`[data-peer-id="${tab.id}"]`)).toHaveAttribute(
    'data-present',
    'false',
    EVENTS,
  );
  return tab.id;
}

/** Puts through the form at `level`; resolves with the put's list item once it has ended (every replica done). */
async function put(page: Page, level: string, text: string) {
  await page.getByLabel('Event', { exact: true }).fill(text);
  await page.getByLabel('Commit level').selectOption(level);
  await page.getByRole('button', { name: 'Put', exact: true }).click();
  const item = page.locator(`li.put[data-level="${level}"]`).first();
  await expect(item).toHaveAttribute('data-settled', 'true', EVENTS);
  return item;
}

const replicas = (item: ReturnType<Page['locator']>) =>
  item.locator('tbody tr').evaluateAll((rows) =>
    rows.map((row) => ({
      id: row.getAttribute('data-replica-id'),
      status: row.getAttribute('data-status'),
      role: row.getAttribute('data-role'),
    })),
  );

/** Whether the tab `id` of `demo` has `key` in its IndexedDB event store (read from `page`, same origin). */
function storedIn(page: Page, demo: string, id: string, key: string): Promise<boolean> {
  return page.evaluate(
    ({ name, key }) =>
      new Promise<boolean>((resolve, reject) => {
        const request = indexedDB.open(name);
        request.onerror = () => reject(request.error);
        request.onsuccess = () => {
          const db = request.result;
          if (!db.objectStoreNames.contains('events')) return resolve(false);
          const get = db.transaction('events').objectStore('events').get(key);
          get.onsuccess = () => {
            resolve(get.result !== undefined);
            db.close();
          };
          get.onerror = () => reject(get.error);
        };
      }),
    { name: `webraft-coordinator-${demo}/events/${id}`, key },
  );
}

test('with a peer tab closed, ONE, QUORUM and ALL are acknowledged; its replicas are placed again', async ({
  context,
}) => {
  const demo = uniqueDemo('four');
  const [a, a2, b2, c] = await tabs(context, demo, ['zone-a', 'zone-a', 'zone-b', 'zone-c']);
  const closed = await closeTab(b2!, a!.page);
  const required = { ONE: 1, QUORUM: 2, ALL: 3 } as const;
  for (const level of ['ONE', 'QUORUM', 'ALL'] as const) {
    for (let i = 0; i < 2; i++) {
      const item = await put(a!.page, level, `${level} ${i}`);
      await expect(item).toHaveAttribute('data-status', 'acknowledged');
      // Every level was reached in the end: three tabs are open for three replicas.
      for (const l of ['ONE', 'QUORUM', 'ALL'])
        await expect(item.locator(`[data-level="${l}"]`)).toHaveAttribute('data-reached', 'true');
      const key = (await item.getAttribute('data-key'))!;
      const rows = await replicas(item);
      const stored = rows.filter((r) => r.status === 'stored');
      expect(stored.length).toBeGreaterThanOrEqual(required[level]);
      // The other zone's replica lands in zone-c, the one other zone left open (first choice or the
      // replacement of the closed zone-b tab), the third in this tab's zone: three stored in the end.
      expect(stored.map((r) => r.id).sort()).toEqual(['local', a2!.id, c!.id].sort());
      expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
      // A replica placed on the closed tab failed and was placed again; none is stored there.
      for (const row of rows.filter((r) => r.id === closed)) expect(row.status).toBe('failed');
      expect(rows.filter((r) => r.role === 'replacement').length).toBe(
        rows.filter((r) => r.status === 'failed').length,
      );
      for (const row of stored)
        expect(await storedIn(a!.page, demo, row.id === 'local' ? a!.id : row.id!, key)).toBe(true);
      expect(await storedIn(a!.page, demo, closed, key)).toBe(false);
    }
  }
});

test('with too few peer tabs open, ONE and QUORUM are acknowledged and ALL fails with the reason', async ({
  context,
}) => {
  const demo = uniqueDemo('three');
  const [a, b1, b2] = await tabs(context, demo, ['zone-a', 'zone-b', 'zone-b']);
  const closed = await closeTab(b2!, a!.page);
  // Three replicas need all three tabs: each put places one on the closed tab, which fails at once.
  for (const level of ['ONE', 'QUORUM'] as const) {
    const item = await put(a!.page, level, level);
    await expect(item).toHaveAttribute('data-status', 'acknowledged');
    const rows = await replicas(item);
    expect(rows.find((r) => r.id === closed)?.status).toBe('failed');
    expect(
      rows
        .filter((r) => r.status === 'stored')
        .map((r) => r.id)
        .sort(),
    ).toEqual(['local', b1!.id].sort());
    await expect(item.locator('[data-level="QUORUM"]')).toHaveAttribute('data-reached', 'true');
    await expect(item.locator('[data-level="ALL"]')).toHaveAttribute('data-reached', 'false');
  }
  const all = await put(a!.page, 'ALL', 'all');
  await expect(all).toHaveAttribute('data-status', 'failed');
  // Rejected as soon as ALL is out of reach (the closed tab failed at once, no untried peer is left),
  // while the two open replicas still finish: the put settles with both stored.
  await expect(all.locator('.put-head')).toContainText('needs 3 durable replica(s)');
  await expect(all.locator('.put-head')).toContainText('no peer left to try');
  await expect(all).toHaveAttribute('data-durable', '2');
  expect((await replicas(all)).find((r) => r.id === closed)?.status).toBe('failed');
  // Dropping the closed tab from the replicated map reaches the other tab too.
  await a!.page.getByRole('button', { name: `Drop peer ${closed}` }).click();
  for (const { page } of [a!, b1!])
    await expect(page.locator('body')).toHaveAttribute('data-peers', '2', EVENTS);
  const refused = await put(a!.page, 'ONE', 'too few');
  await expect(refused).toHaveAttribute('data-status', 'failed');
  await expect(refused).toContainText('not enough peers for replicationFactor 3');
});
