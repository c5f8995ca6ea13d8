import { expect, test } from '@playwright/test';

interface ClusterRun {
  indexes: number[];
  leader: string;
  follower: string;
  third: string;
}

test('the core runs in Chromium: 3 nodes in one page elect, commit from leader and follower, and agree', async ({
  page,
}) => {
  await page.goto('/core/cluster.html');
  await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
  const out = await page.evaluate(() =>
    (window as unknown as { runCluster(n: number): Promise<ClusterRun> }).runCluster(200),
  );
  expect(new Set(out.indexes).size).toBe(200);
  const applied = (JSON.parse(out.leader) as { i: number }[]).map((c) => c.i);
  expect([...applied].sort((x, y) => x - y)).toEqual([...Array(200).keys()]);
  expect(out.follower).toBe(out.leader);
  expect(out.leader.startsWith(out.third.slice(0, -1))).toBe(true);
});
