import { expect, type Page, test } from '@playwright/test';

/**
 * apps/shards-demo in Chromium, driven through its UI with the keyboard: three coordinator members
 * run in the page (a MemoryNetwork between them, WebCrypto for the upload digests) over six storage
 * servers in memory. An upload fills its shard and queues its replication; a storage server taken
 * down fails the copy (counted) until it is back, then the queue drains. Served by the demo's own
 * Vite server (playwright.config.ts, SHARDS_DEMO_PORT).
 */

/** As playwright.config.ts computes it. */
const PORT = Number(process.env.SHARDS_DEMO_PORT ?? Number(process.env.E2E_PORT ?? 5179) + 50);
const URL = `http://127.0.0.1:${PORT}/`;
/** Elections, proposals and retries after a backoff: on a busy machine that takes a while. */
const EVENTS = { timeout: 20_000 };

let problems: string[] = [];
test.beforeEach(() => {
  test.setTimeout(90_000);
  problems = [];
});
test.afterEach(() => {
  expect(problems).toEqual([]);
});

async function open(page: Page): Promise<void> {
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(String(error)));
  await page.goto(URL);
  await page.waitForSelector('body[data-ready="true"]', { state: 'attached', ...EVENTS });
}

/** Focuses a control and presses `key` on it: what a keyboard user does. */
async function press(page: Page, control: ReturnType<Page['locator']>, key: string): Promise<void> {
  await control.focus();
  await expect(control).toBeFocused();
  await page.keyboard.press(key);
}

const shardRow = (page: Page, id: string) => page.locator(`#shards tr[data-shard-id="${id}"]`);
const counterRow = (page: Page, id: string) => page.locator(`#counters tr[data-shard-id="${id}"]`);
const serverRow = (page: Page, id: string) => page.locator(`#servers tr[data-server-id="${id}"]`);

test('an upload fills its shard and queues its copy; a server down fails it (counted) until it is back', async ({
  page,
}) => {
  await open(page);
  await expect(page.locator('#shards tbody tr')).toHaveCount(3);
  await expect(page.locator('#servers tbody tr')).toHaveCount(6);
  for (const id of ['1', '2', '3']) await expect(shardRow(page, id)).toHaveAttribute('data-used', '0');
  await expect(page.locator('#queue')).toHaveAttribute('data-pending', '0');

  // Replicators stopped: the upload's task stays in the queue.
  await press(page, page.getByLabel('Replicators running'), 'Space');
  await expect(page.getByRole('status')).toHaveText(/Replicators stopped/, EVENTS);

  const bytes = Buffer.alloc(4096, 7);
  await page
    .getByLabel('File', { exact: true })
    .setInputFiles({ name: 'hello.txt', mimeType: 'text/plain', buffer: bytes });
  await page.getByLabel('Through coordinator').selectOption('n2');
  await press(page, page.getByRole('button', { name: 'Upload', exact: true }), 'Enter');
  // Every shard is empty: the most free bytes tie, and ties go by id.
  await expect(page.locator('#uploads li[data-name="hello.txt"]')).toHaveAttribute(
    'data-shard-id',
    '1',
    EVENTS,
  );
  await expect(shardRow(page, '1')).toHaveAttribute('data-used', '4096', EVENTS);
  await expect(shardRow(page, '1').locator('meter')).toHaveJSProperty('value', 4096);
  await expect(shardRow(page, '2')).toHaveAttribute('data-used', '0');
  await expect(page.locator('#queue')).toHaveAttribute('data-pending', '1', EVENTS);
  // Shard 1 is servers 1 and 4: the upload went to server 1, the copy is for server 4.
  await expect(page.locator('#queue tr[data-task-id="1@4"]')).toHaveCount(1);
  await expect(counterRow(page, '1')).toHaveAttribute('data-uploads-ok', '1');
  await expect(counterRow(page, '1')).toHaveAttribute('data-replications-pending', '1');
  await expect(serverRow(page, '1').locator('td').nth(3)).toHaveText('1');

  // Server 4 down, replicators on: the copy fails and is counted, and the task stays queued.
  const takeDown = page.getByRole('button', { name: 'Take server 4 down' });
  await press(page, takeDown, 'Enter');
  await expect(serverRow(page, '4')).toHaveAttribute('data-down', 'true');
  const bringUp = page.getByRole('button', { name: 'Bring server 4 up' });
  // The same button, relabelled: the focus stays on it across redraws.
  await expect(bringUp).toBeFocused();
  await press(page, page.getByLabel('Replicators running'), 'Space');
  await expect(counterRow(page, '1')).not.toHaveAttribute('data-replications-failed', '0', EVENTS);
  await expect(page.locator('#queue tr[data-task-id="1@4"] td').nth(5)).toContainText('down');
  await expect(page.locator('#queue')).toHaveAttribute('data-pending', '1');
  await expect(counterRow(page, '1')).toHaveAttribute('data-replications-done', '0');

  // Server 4 back: the retry after its backoff copies the file, and the queue drains.
  await press(page, bringUp, 'Enter');
  await expect(serverRow(page, '4')).toHaveAttribute('data-down', 'false');
  await expect(page.locator('#queue')).toHaveAttribute('data-pending', '0', EVENTS);
  await expect(counterRow(page, '1')).toHaveAttribute('data-replications-done', '1');
  await expect(counterRow(page, '1')).toHaveAttribute('data-replications-pending', '0');
  await expect(serverRow(page, '4').locator('td').nth(3)).toHaveText('1');
  await expect(page.locator('#queue tbody tr')).toHaveCount(0);
});
