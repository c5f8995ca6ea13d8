import { type BrowserContext, expect, type Page, test } from '@playwright/test';

interface Outcome {
  name: string;
  ok: boolean;
  error?: string;
}

interface Tab {
  state: string;
  leader: string | null;
  applied: string[];
  peersSeen: string[];
  errors: string[];
  errorCodes: string[];
  proposeMany(prefix: string, count: number, inflight?: number): Promise<{ acked: number; failed: number }>;
  read(): Promise<{ index: number }>;
}
type W = { tab: Tab };

for (const maxMessageChars of [undefined, 4096]) {
  test(`runTransportTests passes on Chromium's BroadcastChannel${maxMessageChars ? ` (maxMessageChars ${maxMessageChars})` : ''}`, async ({
    page,
  }) => {
    test.setTimeout(90_000);
    await page.goto('/transport-broadcastchannel/conformance.html');
    await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
    const outcomes = await page.evaluate(
      (max) => (window as unknown as { runConformance(m?: number): Promise<Outcome[]> }).runConformance(max),
      maxMessageChars,
    );
    expect(outcomes.length).toBeGreaterThanOrEqual(14);
    expect(outcomes.filter((o) => !o.ok)).toEqual([]);
  });
}

async function openTab(context: BrowserContext, id: string, cluster: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`/transport-broadcastchannel/node.html?id=${id}&peers=a,b,c&cluster=${cluster}`);
  await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
  return page;
}

/** The id of the one tab among `pages` that is leader, once there is one. */
async function leaderAmong(pages: Map<string, Page>): Promise<string> {
  let leader = '';
  await expect
    .poll(
      async () => {
        const states = await Promise.all(
          [...pages].map(
            async ([id, page]) =>
              [id, await page.evaluate(() => (window as unknown as W).tab.state)] as const,
          ),
        );
        const leaders = states.filter(([, state]) => state === 'leader');
        leader = leaders.length === 1 ? leaders[0]![0] : '';
        return leader;
      },
      { timeout: 10_000, message: 'one leader among the tabs' },
    )
    .not.toBe('');
  return leader;
}

test('3 tabs over BroadcastChannel elect and commit; the leader tab closes, a new leader commits, no acknowledged entry is lost', async ({
  context,
}) => {
  // Acknowledgements are recorded here, outside the pages: they survive the tab that made them.
  const acks = new Map<string, number>();
  await context.exposeFunction('reportAck', (_id: string, cmd: string, index: number) => {
    acks.set(cmd, index);
  });
  const cluster = `e2e-${Date.now().toString(36)}`;
  const pages = new Map<string, Page>();
  for (const id of ['a', 'b', 'c']) pages.set(id, await openTab(context, id, cluster));

  const first = await leaderAmong(pages);
  const leaderPage = pages.get(first)!;
  const followers = [...pages.keys()].filter((id) => id !== first);
  const follower = pages.get(followers[0]!)!;
  // From the leader, and forwarded from a follower.
  expect(
    await leaderPage.evaluate(() => (window as unknown as W).tab.proposeMany('leader', 100, 10)),
  ).toEqual({
    acked: 100,
    failed: 0,
  });
  expect(await follower.evaluate(() => (window as unknown as W).tab.proposeMany('forwarded', 30, 3))).toEqual(
    {
      acked: 30,
      failed: 0,
    },
  );

  // Proposals keep going from a follower while the leader tab closes (pagehide says goodbye).
  const during = follower.evaluate(() => (window as unknown as W).tab.proposeMany('during', 200, 4));
  await leaderPage.close();
  pages.delete(first);
  const duringResult = await during;
  expect(duringResult.acked + duringResult.failed).toBe(200);

  // The survivors heard the goodbye, elect a new leader, and it commits.
  for (const page of pages.values())
    await expect.poll(() => page.evaluate(() => (window as unknown as W).tab.peersSeen)).not.toContain(first);
  const second = await leaderAmong(pages);
  expect(second).not.toBe(first);
  const newLeader = pages.get(second)!;
  expect(await newLeader.evaluate(() => (window as unknown as W).tab.proposeMany('after', 50, 5))).toEqual({
    acked: 50,
    failed: 0,
  });

  // Every acknowledged command is applied exactly once on both survivors, at the index acknowledged.
  for (const page of pages.values()) {
    await page.evaluate(() => (window as unknown as W).tab.read());
    const applied = await page.evaluate(() => (window as unknown as W).tab.applied);
    expect(new Set(applied).size).toBe(applied.length);
    const missing = [...acks.keys()].filter((cmd) => !applied.includes(cmd));
    expect(missing).toEqual([]);
  }
  expect(acks.size).toBe(100 + 30 + duringResult.acked + 50);
  expect([...acks.keys()].filter((cmd) => cmd.startsWith('after'))).toHaveLength(50);
});

test('two tabs opened as the same node id both get DUPLICATE_NODE_ID on their error event', async ({
  context,
}) => {
  const cluster = `e2e-dup-${Date.now().toString(36)}`;
  const first = await openTab(context, 'a', cluster);
  const other = await openTab(context, 'b', cluster);
  const second = await openTab(context, 'a', cluster);
  for (const page of [first, second])
    await expect
      .poll(() => page.evaluate(() => (window as unknown as W).tab.errorCodes))
      .toContain('DUPLICATE_NODE_ID');
  // The third tab, with its own id, was told nothing of the kind.
  expect(await other.evaluate(() => (window as unknown as W).tab.errorCodes)).not.toContain(
    'DUPLICATE_NODE_ID',
  );
});
