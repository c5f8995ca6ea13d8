import { type Browser, type BrowserContext, expect, type Page, test } from '@playwright/test';
import { type RelayProcess, startRelayProcess } from '@webraft/server/testing';
import { commit, expectAgreement } from './page-cluster.js';

/**
 * WebRtcTransport in Chromium (the loopback flags and the camera/microphone permission of
 * playwright.config.ts), signaled through a real relay process: the conformance suite in a page, and a
 * Raft cluster of three separate contexts (devices) over direct data channels.
 */

interface Status {
  state?: string;
  leader?: string | null;
  items: { id: number }[];
  relay?: string;
  directPeers: string[];
  stats?: { opened: number; lost: number; relayed: number };
  errors: string[];
}

interface Member {
  id: string;
  page: Page;
}

type Api = {
  webraft: {
    start(o: unknown): Promise<void>;
    propose(c: unknown): Promise<{ index?: number; error?: string }>;
    status(): Status;
    closePeerConnections(): number;
    blockIce(on: boolean): void;
  };
};

/** The devices of a cluster test, closed after it: left open, their nodes would go on in later tests. */
const contexts: BrowserContext[] = [];

async function cluster(
  browser: Browser,
  url: string,
  room: string,
  options: (id: string) => Record<string, unknown> = () => ({}),
  n = 3,
): Promise<Member[]> {
  const ids = Array.from({ length: n }, (_, i) => `n${i + 1}`);
  return Promise.all(
    ids.map(async (id) => {
      const context = await browser.newContext();
      contexts.push(context);
      const page = await context.newPage();
      await page.goto('/transport-webrtc/cluster.html');
      await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
      await page.evaluate((o) => (window as unknown as Api).webraft.start(o), {
        url,
        room,
        id,
        peers: ids,
        ...options(id),
      });
      return { id, page };
    }),
  );
}

const status = (m: Member) => m.page.evaluate(() => (window as unknown as Api).webraft.status());

/** Every member has a direct channel to each of the others. */
async function expectFullMesh(members: Member[]): Promise<void> {
  await expect
    .poll(async () => (await Promise.all(members.map(status))).map((s) => s.directPeers.length), {
      timeout: 15_000,
    })
    .toEqual(members.map(() => members.length - 1));
}

async function commitRange(members: Member[], from: number, to: number, acknowledged: number[]) {
  for (let id = from; id < to; id++) {
    await commit(members, id);
    acknowledged.push(id);
  }
  await expectAgreement(members, acknowledged);
}

let relay: RelayProcess | null = null;
test.afterEach(async () => {
  await Promise.all(contexts.splice(0).map((context) => context.close()));
  await relay?.stop();
  relay = null;
});

const CONFORMANCE = [
  { native: false, signaling: 'relay' },
  { native: true, signaling: 'relay' },
  { native: false, signaling: 'BroadcastChannel' },
] as const;

for (const { native, signaling } of CONFORMANCE)
  test(`the transport conformance suite passes in Chromium over data channels (${native ? 'RTCPeerConnection' : 'simple-peer'}, ${signaling} signaling)`, async ({
    page,
  }) => {
    test.setTimeout(120_000);
    relay = signaling === 'relay' ? await startRelayProcess(['--port', '0']) : null;
    await page.goto('/transport-webrtc/conformance.html');
    await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
    const results = await page.evaluate(
      ([url, n]) =>
        (
          window as unknown as {
            runConformance(
              u: string | null,
              n: boolean,
            ): Promise<{ name: string; ok: boolean; error?: string }[]>;
          }
        ).runConformance(url, n),
      [relay?.url ?? null, native] as const,
    );
    expect(results.length).toBeGreaterThanOrEqual(14);
    expect(results.filter((r) => !r.ok)).toEqual([]);
  });

/** One frame of ASCII JSON on the channel: a chunk's characters and one of framing, a byte each. */
const FRAME_BYTES = 16 * 1024 + 1;
const BUFFER_BOUNDS = [
  // simple-peer: straight onto the channel up to 64 KiB buffered, then one frame through its stream.
  { native: false, bound: 64 * 1024 + 2 * FRAME_BYTES },
  // RTCPeerConnection directly: NATIVE_HIGH_WATER_BYTES (1 MiB) and the frame that crossed it.
  { native: true, bound: 1024 * 1024 + FRAME_BYTES },
] as const;

for (const { native, bound } of BUFFER_BOUNDS)
  test(`4 MiB written at once: the data channel buffer stays within ${bound} bytes, all arrives in order (${native ? 'RTCPeerConnection' : 'simple-peer'})`, async ({
    page,
  }) => {
    test.setTimeout(60_000);
    await page.goto('/transport-webrtc/backpressure.html');
    await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
    const result = await page.evaluate(
      (o) =>
        (
          window as unknown as {
            bulk(o: unknown): Promise<{
              maxBuffered: number;
              inOrder: boolean;
              whole: boolean;
              relayed: number;
              channels: number;
            }>;
          }
        ).bulk(o),
      { native, count: 16, chars: 256 * 1024 },
    );
    expect(result).toMatchObject({ inOrder: true, whole: true, relayed: 0, channels: 1 });
    expect(result.maxBuffered).toBeLessThanOrEqual(bound);
    // The sender did fill the buffer to its limit: the bound was tested, not just never reached.
    expect(result.maxBuffered).toBeGreaterThan(bound / 2);
  });

test('3 contexts over WebRTC: elect and commit; closed peer connections heal; the relay stops and commits go on', async ({
  browser,
}) => {
  test.setTimeout(120_000);
  relay = await startRelayProcess(['--port', '0']);
  const members = await cluster(browser, relay.url, `e2e-webrtc-${Date.now()}`);
  await expectFullMesh(members);
  const acknowledged: number[] = [];
  await commitRange(members, 0, 10, acknowledged);

  // One device's peer connections are closed under the transport: the channels are replaced.
  const victim = members[1]!;
  const before = await Promise.all(members.map(status));
  const closed = await victim.page.evaluate(() => (window as unknown as Api).webraft.closePeerConnections());
  expect(closed).toBe(2);
  await expect
    .poll(
      async () => (await Promise.all(members.map(status))).reduce((n, s) => n + (s.stats?.opened ?? 0), 0),
      {
        timeout: 15_000,
      },
    )
    .toBeGreaterThanOrEqual(before.reduce((n, s) => n + (s.stats?.opened ?? 0), 0) + 4);
  await expectFullMesh(members);
  await commitRange(members, 10, 20, acknowledged);

  // The relay goes away (graceful shutdown): the direct channels carry the cluster on their own.
  await relay.stop();
  relay = null;
  await expect
    .poll(async () => (await Promise.all(members.map(status))).map((s) => s.relay))
    .not.toContain('open');
  const relayedBefore = (await Promise.all(members.map(status))).map((s) => s.stats?.relayed ?? 0);
  await commitRange(members, 20, 30, acknowledged);
  await expectFullMesh(members);
  const relayedAfter = (await Promise.all(members.map(status))).map((s) => s.stats?.relayed ?? 0);
  expect(relayedAfter).toEqual(relayedBefore);
});

test('a device whose ICE cannot connect takes part through the relay, then upgrades', async ({ browser }) => {
  test.setTimeout(120_000);
  relay = await startRelayProcess(['--port', '0']);
  const members = await cluster(browser, relay.url, `e2e-webrtc-blocked-${Date.now()}`, (id) => ({
    blockIce: id === 'n3',
    connectTimeoutMs: 1000,
  }));
  const [n1, , n3] = members as [Member, Member, Member];
  await expect.poll(async () => (await status(n1)).directPeers).toEqual(['n2']);
  const acknowledged: number[] = [];
  await commitRange(members, 0, 10, acknowledged);
  expect((await status(n3)).directPeers).toEqual([]);
  expect((await status(n3)).stats?.relayed).toBeGreaterThan(0);
  expect((await status(n1)).errors.some((e) => e.includes('n3') && e.includes('relay'))).toBe(true);

  // The network lets it through again: the next attempts (capped backoff, 5 s at most) connect.
  await n3.page.evaluate(() => (window as unknown as Api).webraft.blockIce(false));
  await expectFullMesh(members);
  await commitRange(members, 10, 20, acknowledged);
});
