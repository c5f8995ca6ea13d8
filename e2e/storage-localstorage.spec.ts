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
 * @webraft/storage-localstorage in Chromium's real localStorage: the conformance suite in a page (and
 * over sessionStorage); crash durability of a 3-node cluster whose page, or whole browser, is closed mid-stream;
 * localStorage filled to its real limit; two pages with different node ids.
 */

interface StorePage extends SharedStorePage {
  prefill(leaveChars: number): number;
  bytesInUse(): number;
}
type W = { store: StorePage; runConformance(which: string): Promise<Outcome[]> };

const CLUSTER = '/storage-localstorage/cluster.html';
const STORE = '/storage-localstorage/store.html';

for (const which of ['localStorage', 'sessionStorage']) {
  test(`runStorageTests passes on Chromium's ${which}`, async ({ page }) => {
    test.setTimeout(90_000);
    await page.goto('/storage-localstorage/conformance.html');
    await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
    const outcomes = await page.evaluate((w) => (window as unknown as W).runConformance(w), which);
    expect(outcomes.length).toBeGreaterThanOrEqual(15);
    expect(outcomes.filter((o) => !o.ok)).toEqual([]);
  });
}

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

test('localStorage filled to its real limit: the node fails with StorageQuotaError and loses no acknowledged entry', async ({
  context,
}) => {
  test.setTimeout(60_000);
  const page = await open(context, STORE);
  // Another app's key takes all of the origin's room but 600,000 characters (no quota is overridden:
  // the limit is Chromium's own); the node then fills what is left.
  const filler = await page.evaluate(() => (window as unknown as W).store.prefill(600_000));
  expect(filler).toBeGreaterThan(1_000_000);
  const namespace = uniqueNamespace('quota');
  const result = await page.evaluate(
    (ns) => (window as unknown as W).store.fillUntilQuota('q', ns, 2_000),
    namespace,
  );
  await checkQuotaFailure(page, 'q', namespace, result);
  // The bytes in use named are the whole localStorage's, about the limit itself.
  const inUse = await page.evaluate(() => (window as unknown as W).store.bytesInUse());
  expect(result.errors[0]!.bytesInUse).toBeGreaterThan(2 * filler);
  expect(result.errors[0]!.bytesInUse).toBeLessThanOrEqual(inUse + 300_000);
});

test('two pages of one origin with different node ids never see each other’s data', async ({ context }) => {
  await checkIsolation(context, STORE);
});
