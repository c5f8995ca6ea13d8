import { type Browser, expect, type Page, test } from '@playwright/test';
import {
  freePort,
  type RedisProcess,
  type RelayProcess,
  startRedis,
  startRelayProcess,
} from '@webraft/server/testing';
import { commit, expectAgreement, leaderOf } from './page-cluster.js';

/**
 * WebSocketTransport in Chromium through real relay processes (the CLI, started here): the conformance
 * suite in a page, and Raft clusters of separate browser contexts (devices).
 */

interface Status {
  state?: string;
  leader?: string | null;
  term?: number;
  commitIndex?: number;
  items: { id: number }[];
  connection?: string;
  errors: string[];
}

interface Member {
  id: string;
  page: Page;
  close(): Promise<void>;
}

/** Opens one context per member, each with a page running one node through `urls`. */
async function cluster(
  browser: Browser,
  room: string,
  urlsFor: (i: number) => string[],
  n = 3,
): Promise<Member[]> {
  const ids = Array.from({ length: n }, (_, i) => `n${i + 1}`);
  return Promise.all(
    ids.map(async (id, i) => {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto('/transport-websocket/cluster.html');
      await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
      await page.evaluate(
        (o) => (window as unknown as { webraft: { start(o: unknown): Promise<void> } }).webraft.start(o),
        { urls: urlsFor(i), room, id, peers: ids },
      );
      return { id, page, close: () => context.close() };
    }),
  );
}

const status = (m: Member) =>
  m.page.evaluate(() => (window as unknown as { webraft: { status(): Status } }).webraft.status());

let relay: RelayProcess | null = null;
let redis: RedisProcess | null = null;
const extra: RelayProcess[] = [];
test.afterEach(async () => {
  await relay?.stop();
  relay = null;
  for (const r of extra.splice(0)) await r.stop();
  await redis?.stop();
  redis = null;
});

test('the transport conformance suite passes in Chromium against a relay process', async ({ page }) => {
  relay = await startRelayProcess(['--port', '0']);
  await page.goto('/transport-websocket/conformance.html');
  await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
  const results = await page.evaluate(
    (url) =>
      (
        window as unknown as { runConformance(u: string): Promise<{ name: string; error?: string }[]> }
      ).runConformance(url),
    relay.url,
  );
  expect(results.length).toBeGreaterThanOrEqual(10);
  expect(results.filter((r) => r.error)).toEqual([]);
});

test('3 contexts over one relay: elect, commit, lose the leader, recover from a relay crash', async ({
  browser,
}) => {
  test.setTimeout(90_000);
  const port = await freePort();
  relay = await startRelayProcess(['--port', String(port)]);
  const url = relay.url;
  const members = await cluster(browser, 'e2e-one-relay', () => [url]);
  const acknowledged: number[] = [];
  for (let id = 0; id < 10; id++) {
    await commit(members, id);
    acknowledged.push(id);
  }
  await expectAgreement(members, acknowledged);

  // The leader's device goes away; the other two elect a new leader and go on.
  const leader = (await leaderOf(members)) ?? members[0]!;
  await leader.close();
  const survivors = members.filter((m) => m !== leader);
  for (let id = 10; id < 20; id++) {
    await commit(survivors, id);
    acknowledged.push(id);
  }
  await expectAgreement(survivors, acknowledged);

  // The relay process crashes (SIGKILL) and is restarted on the same port: the cluster recovers by itself.
  await relay.kill();
  relay = await startRelayProcess(['--port', String(port)]);
  for (let id = 20; id < 30; id++) {
    await commit(survivors, id);
    acknowledged.push(id);
  }
  await expectAgreement(survivors, acknowledged);
  for (const m of survivors) expect((await status(m)).connection).toBe('open');
  for (const m of survivors) await m.close();
});

test('2 contexts on relay A and 1 on relay B, sharing Redis, form one cluster and commit', async ({
  browser,
}) => {
  test.setTimeout(60_000);
  redis = await startRedis();
  relay = await startRelayProcess(['--port', '0', '--redis', redis.url, '--relay-id', 'A']);
  const b = await startRelayProcess(['--port', '0', '--redis', redis.url, '--relay-id', 'B']);
  extra.push(b);
  const a = relay;
  const members = await cluster(browser, 'e2e-two-relays', (i) => [i < 2 ? a.url : b.url]);
  const acknowledged: number[] = [];
  for (let id = 0; id < 10; id++) {
    await commit(members, id);
    acknowledged.push(id);
  }
  await expectAgreement(members, acknowledged);
  // The member on B took part: it has every entry, and frames went through Redis both ways.
  const metrics = await (await fetch(`${b.url.replace('ws:', 'http:')}/metrics`)).text();
  expect(Number(/webraft_redis_frames_total\{direction="in"\} (\d+)/.exec(metrics)?.[1])).toBeGreaterThan(0);
  expect(Number(/webraft_redis_frames_total\{direction="out"\} (\d+)/.exec(metrics)?.[1])).toBeGreaterThan(0);
  for (const m of members) await m.close();
});
