import { type BrowserContext, expect, type Page, test } from '@playwright/test';

/**
 * apps/leaderfeed-demo through its page, in Chromium, served by the app's own Vite server
 * (playwright.config.ts, LEADERFEED_DEMO_PORT): in each backend's panel exactly one of three tabs
 * leads, the shared clock it ticks advances in every tab, and closing the leader tab hands both the
 * leadership and the clock to another tab under a larger token.
 */
const PORT = Number(process.env.LEADERFEED_DEMO_PORT ?? Number(process.env.E2E_PORT ?? 5179) + 40);
const BACKENDS = ['WebLocks', 'BroadcastChannel'];

async function openTabs(context: BrowserContext): Promise<Page[]> {
  const demo = `e2e-${Date.now().toString(36)}`;
  const pages: Page[] = [];
  for (let i = 0; i < 3; i++) {
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${PORT}/index.html?demo=${demo}`);
    pages.push(page);
  }
  return pages;
}

const panel = (page: Page, backend: string) => page.locator(`section[data-backend="${backend}"]`);
const fact = (page: Page, backend: string, name: string) =>
  panel(page, backend).locator(`dt:text-is("${name}") + dd`).textContent();

/** The tabs whose panel of `backend` shows them leading. */
async function leadersOf(pages: Page[], backend: string): Promise<Page[]> {
  const leading = await Promise.all(pages.map((p) => panel(p, backend).getAttribute('data-leader')));
  return pages.filter((_, i) => leading[i] === 'true');
}

for (const backend of BACKENDS) {
  test(`${backend} panel: one leader tab of three ticks the shared clock; closing it hands both on`, async ({
    context,
  }) => {
    const pages = await openTabs(context);
    await expect.poll(async () => (await leadersOf(pages, backend)).length, { timeout: 15_000 }).toBe(1);
    const [leader] = await leadersOf(pages, backend);
    const token = Number(await fact(leader!, backend, 'token'));
    const others = pages.filter((p) => p !== leader);
    // Every follower tab sees the leader's clock move.
    const clockOf = async (page: Page) => Number(await fact(page, backend, 'shared clock'));
    const start = await clockOf(others[0]!);
    await expect.poll(() => clockOf(others[0]!), { timeout: 10_000 }).toBeGreaterThanOrEqual(start + 2);
    expect(await fact(leader!, backend, 'relay connection')).toMatch(/^held/);

    await leader!.close({ runBeforeUnload: true });
    await expect.poll(async () => (await leadersOf(others, backend)).length, { timeout: 15_000 }).toBe(1);
    const [next] = await leadersOf(others, backend);
    expect(Number(await fact(next!, backend, 'token'))).toBeGreaterThan(token);
    // The clock goes on from where it was, ticked by the new leader.
    const before = await clockOf(next!);
    await expect.poll(() => clockOf(next!), { timeout: 10_000 }).toBeGreaterThanOrEqual(before + 2);
    const follower = others.find((p) => p !== next)!;
    expect(await fact(follower, backend, 'stale ticks refused')).toBe('0');
  });
}
