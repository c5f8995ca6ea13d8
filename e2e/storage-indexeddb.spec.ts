import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, expect, type Page, test } from '@playwright/test';

/**
 * @webraft/storage-indexeddb in Chromium's real IndexedDB: the conformance suite in a page; crash
 * durability of a 3-node cluster (page closed, browser closed mid-stream); a tiny quota; two pages with
 * different node ids.
 */

interface Outcome {
  name: string;
  ok: boolean;
  error?: string;
}

interface StoredNode {
  snapshotIndex: number;
  commit: number;
  commands: { index: number; data: unknown }[];
}
interface ClusterPage {
  stream(namespace: string, inflight: number): Promise<void>;
  recover(namespace: string): Promise<{ stored: Record<string, StoredNode>; applied: unknown[] }>;
}
interface StorePage {
  fillUntilQuota(
    id: string,
    namespace: string,
    padChars: number,
  ): Promise<{
    acked: { i: number; index: number }[];
    errors: { name: string; code: string; bytesInUse?: number; quota?: number }[];
    state: string;
  }>;
  dump(
    id: string,
    namespace: string,
  ): Promise<{ snapshotIndex: number; entries: { index: number; data: unknown }[] }>;
  writeTagged(id: string, namespace: string, tag: string, count: number): Promise<void>;
  estimate(): Promise<number>;
}
type W = { cluster: ClusterPage; store: StorePage; runConformance(chunk?: number): Promise<Outcome[]> };

async function open(context: BrowserContext, path: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(path);
  await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
  return page;
}

const uniqueNamespace = (label: string) =>
  `${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;

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

/** Starts the stream in a fresh page of `context`; acknowledgements land in `acks`. */
async function startStream(
  context: BrowserContext,
  namespace: string,
  acks: Map<string, number>,
): Promise<Page> {
  await context.exposeFunction('reportAck', (command: string, index: number) => {
    acks.set(command, index);
  });
  const page = await open(context, '/storage-indexeddb/cluster.html');
  await page.evaluate((ns) => (window as unknown as W).cluster.stream(ns, 10), namespace);
  await expect
    .poll(() => acks.size, { timeout: 20_000, message: 'acknowledgements arrive' })
    .toBeGreaterThanOrEqual(300);
  return page;
}

/**
 * After the crash: every acknowledged command is stored at its index on a majority (or under a
 * snapshot there), the restarted cluster applies each exactly once, and it applies nothing that was not
 * proposed.
 */
async function checkRecovered(page: Page, namespace: string, acked: Map<string, number>): Promise<void> {
  const { stored, applied } = await page.evaluate(
    (ns) => (window as unknown as W).cluster.recover(ns),
    namespace,
  );
  for (const [command, index] of acked) {
    const holders = Object.values(stored).filter(
      (node) =>
        index <= node.snapshotIndex || node.commands.some((c) => c.index === index && c.data === command),
    );
    expect(holders.length, `${command} at ${index} on a majority`).toBeGreaterThanOrEqual(2);
  }
  expect(new Set(applied).size).toBe(applied.length);
  expect([...acked.keys()].filter((command) => !applied.includes(command))).toEqual([]);
  expect(applied.filter((c) => typeof c !== 'string' || !/^(cmd-\d+|after-restart)$/.test(c))).toEqual([]);
  expect(applied.at(-1)).toBe('after-restart');
}

test('page closed without warning mid-stream: a new page over the same node ids has every acknowledged entry', async ({
  context,
}) => {
  const namespace = uniqueNamespace('page-close');
  const acks = new Map<string, number>();
  const page = await startStream(context, namespace, acks);
  await page.close({ runBeforeUnload: false });
  const acked = new Map(acks);
  await checkRecovered(await open(context, '/storage-indexeddb/cluster.html'), namespace, acked);
});

test('the whole browser closed mid-stream (persistent profile): reopened, it has every acknowledged entry', async ({
  playwright,
}, testInfo) => {
  test.setTimeout(60_000);
  // A persistent context keeps its profile on disk, as a user's browser does; a new context would not.
  const userDataDir = mkdtempSync(join(tmpdir(), 'webraft-idb-'));
  const use = testInfo.project.use;
  const launch = () =>
    playwright.chromium.launchPersistentContext(userDataDir, {
      ...use.launchOptions,
      headless: true,
      baseURL: use.baseURL,
    });
  try {
    const namespace = uniqueNamespace('context-close');
    const acks = new Map<string, number>();
    const first = await launch();
    await startStream(first, namespace, acks);
    await first.close();
    const acked = new Map(acks);
    const second = await launch();
    try {
      await checkRecovered(await open(second, '/storage-indexeddb/cluster.html'), namespace, acked);
    } finally {
      await second.close();
    }
  } finally {
    rmSync(userDataDir, { recursive: true, force: true });
  }
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
    expect(result.state).toBe('failed');
    expect(result.errors.length).toBeGreaterThan(0);
    expect(result.errors[0]).toMatchObject({ name: 'StorageQuotaError', code: 'QUOTA' });
    expect(result.errors[0]!.bytesInUse).toBeGreaterThan(0);
    expect(result.acked.length).toBeGreaterThan(10);
    const { entries } = await page.evaluate((ns) => (window as unknown as W).store.dump('q', ns), namespace);
    const stored = new Map(entries.map((e) => [e.index, (e.data as { i?: number } | undefined)?.i]));
    expect(result.acked.filter((a) => stored.get(a.index) !== a.i)).toEqual([]);
  } finally {
    await cdp.send('Storage.overrideQuotaForOrigin', { origin });
  }
});

test('two pages of one origin with different node ids never see each other’s data', async ({ context }) => {
  const namespace = uniqueNamespace('isolation');
  const one = await open(context, '/storage-indexeddb/store.html');
  const two = await open(context, '/storage-indexeddb/store.html');
  await one.evaluate((ns) => (window as unknown as W).store.writeTagged('p1', ns, 'one', 5), namespace);
  await two.evaluate((ns) => (window as unknown as W).store.writeTagged('p2', ns, 'two', 3), namespace);
  await one.evaluate((ns) => (window as unknown as W).store.writeTagged('p1', ns, 'one', 2), namespace);
  const dataOf = async (page: Page, id: string) =>
    (
      await page.evaluate(([i, ns]) => (window as unknown as W).store.dump(i, ns), [id, namespace] as const)
    ).entries.map((e) => e.data);
  expect(await dataOf(one, 'p1')).toEqual(Array(7).fill('one'));
  expect(await dataOf(two, 'p2')).toEqual(Array(3).fill('two'));
  // Either page reaches the other's database only by naming its id: the data is stored per id.
  expect(await dataOf(two, 'p1')).toEqual(Array(7).fill('one'));
});
