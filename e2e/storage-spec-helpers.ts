/**
 * What the storage adapters' specs share: opening a test page, the crash-durability stream of a
 * 3-node cluster (pages/storage-cluster.ts) and the check of what a new page recovers, and the store
 * page's calls (pages/storage-store.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type BrowserContext,
  type BrowserType,
  expect,
  type Page,
  type PlaywrightTestOptions,
  type PlaywrightWorkerOptions,
} from '@playwright/test';

export interface Outcome {
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
export interface StorePage {
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
}
type W = { cluster: ClusterPage; store: StorePage };

/** A new page of `context` at `path`, once its script says it is ready. */
export async function open(context: BrowserContext, path: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(path);
  await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
  return page;
}

export const uniqueNamespace = (label: string) =>
  `${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;

/** Starts the stream in a fresh page of `context` at `path`; acknowledgements land in `acks`. */
export async function startStream(
  context: BrowserContext,
  path: string,
  namespace: string,
  acks: Map<string, number>,
): Promise<Page> {
  await context.exposeFunction('reportAck', (command: string, index: number) => {
    acks.set(command, index);
  });
  const page = await open(context, path);
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
export async function checkRecovered(
  page: Page,
  namespace: string,
  acked: Map<string, number>,
): Promise<void> {
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

/**
 * The cluster page at `path` streams; the page is closed without warning (no `beforeunload`); a new
 * page over the same node ids recovers every acknowledged entry.
 */
export async function checkPageClose(context: BrowserContext, path: string): Promise<void> {
  const namespace = uniqueNamespace('page-close');
  const acks = new Map<string, number>();
  const page = await startStream(context, path, namespace, acks);
  await page.close({ runBeforeUnload: false });
  const acked = new Map(acks);
  await checkRecovered(await open(context, path), namespace, acked);
}

/**
 * The cluster page at `path` streams in a browser with a persistent profile (kept on disk, as a
 * user's browser is; a new context would not be); the whole browser is closed mid-stream; reopened
 * over the same profile, a new page recovers every acknowledged entry.
 */
export async function checkBrowserClose(
  chromium: BrowserType,
  use: Partial<PlaywrightTestOptions & PlaywrightWorkerOptions>,
  path: string,
): Promise<void> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'webraft-storage-'));
  const launch = () =>
    chromium.launchPersistentContext(userDataDir, {
      ...use.launchOptions,
      headless: true,
      baseURL: use.baseURL,
    });
  try {
    const namespace = uniqueNamespace('context-close');
    const acks = new Map<string, number>();
    const first = await launch();
    await startStream(first, path, namespace, acks);
    await first.close();
    const acked = new Map(acks);
    const second = await launch();
    try {
      await checkRecovered(await open(second, path), namespace, acked);
    } finally {
      await second.close();
    }
  } finally {
    rmSync(userDataDir, { recursive: true, force: true });
  }
}

/** Node `id`'s stored commands' data, read in `page`. */
export async function storedData(page: Page, id: string, namespace: string): Promise<unknown[]> {
  const { entries } = await page.evaluate(([i, ns]) => (window as unknown as W).store.dump(i, ns), [
    id,
    namespace,
  ] as const);
  return entries.map((e) => e.data);
}

/** Two pages at `path` write under two node ids; each id holds only its own entries. */
export async function checkIsolation(context: BrowserContext, path: string): Promise<void> {
  const namespace = uniqueNamespace('isolation');
  const one = await open(context, path);
  const two = await open(context, path);
  const write = (page: Page, id: string, tag: string, count: number) =>
    page.evaluate(([i, ns, t, n]) => (window as unknown as W).store.writeTagged(i, ns, t, n), [
      id,
      namespace,
      tag,
      count,
    ] as const);
  await write(one, 'p1', 'one', 5);
  await write(two, 'p2', 'two', 3);
  await write(one, 'p1', 'one', 2);
  expect(await storedData(one, 'p1', namespace)).toEqual(Array(7).fill('one'));
  expect(await storedData(two, 'p2', namespace)).toEqual(Array(3).fill('two'));
  // Either page reaches the other's data only by naming its id: the data is stored per id.
  expect(await storedData(two, 'p1', namespace)).toEqual(Array(7).fill('one'));
}

type FillResult = Awaited<ReturnType<StorePage['fillUntilQuota']>>;

/**
 * A node that filled its storage failed with `StorageQuotaError` naming the bytes in use, after
 * acknowledging some entries, and a new handle loads every one of them at its index.
 */
export async function checkQuotaFailure(
  page: Page,
  id: string,
  namespace: string,
  result: FillResult,
): Promise<void> {
  expect(result.state).toBe('failed');
  expect(result.errors.length).toBeGreaterThan(0);
  expect(result.errors[0]).toMatchObject({ name: 'StorageQuotaError', code: 'QUOTA' });
  expect(result.errors[0]!.bytesInUse).toBeGreaterThan(0);
  expect(result.acked.length).toBeGreaterThan(10);
  const { entries } = await page.evaluate(([i, ns]) => (window as unknown as W).store.dump(i, ns), [
    id,
    namespace,
  ] as const);
  const stored = new Map(entries.map((e) => [e.index, (e.data as { i?: number } | undefined)?.i]));
  expect(result.acked.filter((a) => stored.get(a.index) !== a.i)).toEqual([]);
}
