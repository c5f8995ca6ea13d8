import { expect, test } from '@playwright/test';
import {
  checkBrowserClose,
  checkIsolation,
  checkPageClose,
  checkQuotaFailure,
  type Outcome,
  open,
  type StorePage as SharedStorePage,
  uniqueNamespace,
} from './storage-spec-helpers.js';

/**
 * @webraft/storage-indexeddb in Chromium's real IndexedDB: the conformance suite in a page; crash
 * durability of a 3-node cluster (page closed, browser closed mid-stream); a tiny quota; two pages with
 * different node ids.
 */

interface StorePage extends SharedStorePage {
  estimate(): Promise<number>;
}
type W = { store: StorePage; runConformance(chunk?: number): Promise<Outcome[]> };

for (const chunk of [undefined, 5]) {
  test(`runStorageTests passes on Chromium's IndexedDB${chunk ? ` (${chunk}-character snapshot chunks)` : ''}`, async ({
    page,
  }) => {
    test.setTimeout(90_000);
    await page.goto('/storage-indexeddb/conformance.html');
    await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
    const outcomes = await page.evaluate((c) => (window as unknown as W).runConformance(c), chunk);
    expect(outcomes.length).toBeGreaterThanOrEqual(15);
    expect(outcomes.filter((o) => !o.ok)).toEqual([]);
  });
}

const CLUSTER = '/storage-indexeddb/cluster.html';

test('page closed without warning mid-stream: a new page over the same node ids has every acknowledged entry', async ({
  context,
}) => {
  await checkPageClose(context, CLUSTER);
});

test('the whole browser closed mid-stream (persistent profile): reopened, it has every acknowledged entry', async ({
  playwright,
}, testInfo) => {
  test.setTimeout(60_000);
  await checkBrowserClose(playwright.chromium, testInfo.project.use, CLUSTER);
});

test('a tiny quota (CDP Storage.overrideQuotaForOrigin): the node fails with StorageQuotaError and loses no acknowledged entry', async ({
  context,
}) => {
  test.setTimeout(60_000);
  const page = await open(context, '/storage-indexeddb/store.html');
  const cdp = await context.newCDPSession(page);
  const origin = new URL(page.url()).origin;
  const usage = await page.evaluate(() => (window as unknown as W).store.estimate());
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: usage + 2_000_000 });
  try {
    const namespace = uniqueNamespace('quota');
    const result = await page.evaluate(
      (ns) => (window as unknown as W).store.fillUntilQuota('q', ns, 4_000),
      namespace,
    );
    await checkQuotaFailure(page, 'q', namespace, result);
  } finally {
    await cdp.send('Storage.overrideQuotaForOrigin', { origin });
  }
});

test('two pages of one origin with different node ids never see each other’s data', async ({ context }) => {
  await checkIsolation(context, '/storage-indexeddb/store.html');
});
