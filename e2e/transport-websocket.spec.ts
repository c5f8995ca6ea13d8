import { type Browser, expect, type Page, test } from '@playwright/test';
import {
  freePort,
  type RedisProcess,
  type RelayProcess,
  startRedis,
  startRelayProcess,
} from '@webraft/server/testing';

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

/** Proposes `{ id }` on any member until one acknowledges it (a refusal or timeout is retried). */
async function commit(members: Member[], id: number, deadlineMs = 20_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    const leader = await leaderOf(members);
    const target = leader ?? members[attempt % members.length]!;
    const out = await target.page.evaluate(
      (command) =>
        (
          window as unknown as {
            webraft: { propose(c: unknown): Promise<{ index?: number; error?: string }> };
          }
        ).webraft.propose(command),
      { id },
    );
    if (out.index !== undefined) return;
  }
  throw new Error(`entry ${id} was not acknowledged within ${deadlineMs} ms`);
}

async function leaderOf(members: Member[]): Promise<Member | undefined> {
  for (const m of members) if ((await status(m)).state === 'leader') return m;
  return undefined;
}

/** Every acknowledged entry is applied on every member, in one order (the logs agree). */
async function expectAgreement(members: Member[], acknowledged: number[]): Promise<void> {
  await expect
    .poll(
      async () => {
        const logs = await Promise.all(members.map(async (m) => (await status(m)).items.map((c) => c.id)));
        const complete = logs.every((log) => acknowledged.every((id) => log.includes(id)));
        const longest = logs.reduce((a, b) => (b.length > a.length ? b : a));
        const agree = logs.every((log) => log.every((id, i) => longest[i] === id));
        return complete && agree;
      },
      { timeout: 15_000 },
    )
    .toBe(true);
}

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
