// Type-only import: @playwright/test is a dependency of the e2e package, not of the root, and the
// config must load from there (`pnpm test:e2e` runs `playwright test --config ../playwright.config.ts`).
import type { PlaywrightTestConfig } from '@playwright/test';

/**
 * Browser tests (docs/testing.md) in Debian's Chromium (`apt-get install -y chromium`), never a
 * downloaded browser (`npx playwright install` fails on these machines). Run browser and WebRTC tests in a
 * loopback-only network namespace:
 *   unshare -n sh -c 'ip link set lo up && exec "$@"' sh pnpm test:e2e
 */

/** Where the test pages are served (e2e/vite.config.ts). */
const E2E_PORT = Number(process.env.E2E_PORT ?? 5179);
/**
 * Where apps/collab is served for e2e/collab.spec.ts (its own Vite server and config): by default 10
 * above E2E_PORT, so runs given different E2E_PORTs do not share it.
 */
const COLLAB_PORT = Number(process.env.COLLAB_PORT ?? E2E_PORT + 10);
/** Where apps/coordinator-demo is served for e2e/coordinator.spec.ts: by default 20 above E2E_PORT. */
const COORDINATOR_PORT = Number(process.env.COORDINATOR_PORT ?? E2E_PORT + 20);
/** Where apps/leaderfeed-demo is served for e2e/leaderfeed-demo.spec.ts: by default 40 above E2E_PORT. */
const LEADERFEED_DEMO_PORT = Number(process.env.LEADERFEED_DEMO_PORT ?? E2E_PORT + 40);
/** Where apps/shards-demo is served for e2e/shards-demo.spec.ts: by default 50 above E2E_PORT. */
const SHARDS_DEMO_PORT = Number(process.env.SHARDS_DEMO_PORT ?? E2E_PORT + 50);

/** Flags that work headless and offline on Debian 12 with Chromium 156. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** WebRTC between pages over 127.0.0.1 needs these flags AND the camera/microphone permission below. */
const WEBRTC_ARGS = ['--allow-loopback-in-peer-connection', '--disable-features=WebRtcHideLocalIpsWithMdns'];

const config: PlaywrightTestConfig = {
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  // Two cores: one worker. A test that needs several tabs opens them itself.
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 30_000,
  reporter: process.env.CI ? [['list'], ['html', { open: 'never' }]] : 'list',
  use: {
    baseURL: `http://127.0.0.1:${E2E_PORT}`,
    browserName: 'chromium',
    headless: true,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [...CHROMIUM_ARGS, ...WEBRTC_ARGS],
    },
    permissions: ['camera', 'microphone'],
  },
  projects: [{ name: 'chromium' }],
  webServer: [
    // The test pages (e2e/pages), served by Vite with workspace packages resolved to their sources.
    {
      command: 'pnpm --filter @webraft/e2e serve',
      url: `http://127.0.0.1:${E2E_PORT}/index.html`,
      reuseExistingServer: !process.env.CI,
      timeout: 60_000,
    },
    // The collab board app (apps/collab), as `pnpm demo` serves it.
    {
      command: `pnpm --filter @webraft/collab dev --port ${COLLAB_PORT} --strictPort`,
      url: `http://127.0.0.1:${COLLAB_PORT}/index.html`,
      reuseExistingServer: !process.env.CI,
      timeout: 60_000,
    },
    // The coordinator demo (apps/coordinator-demo).
    {
      command: `pnpm --filter @webraft/coordinator-demo dev --port ${COORDINATOR_PORT} --strictPort`,
      url: `http://127.0.0.1:${COORDINATOR_PORT}/index.html`,
      reuseExistingServer: !process.env.CI,
      timeout: 60_000,
    },
    // The leaderfeed demo (apps/leaderfeed-demo).
    {
      command: `pnpm --filter @webraft/leaderfeed-demo dev --port ${LEADERFEED_DEMO_PORT} --strictPort`,
      url: `http://127.0.0.1:${LEADERFEED_DEMO_PORT}/index.html`,
      reuseExistingServer: !process.env.CI,
      timeout: 60_000,
    },
    // The shards demo (apps/shards-demo).
    {
      command: `pnpm --filter @webraft/shards-demo dev --port ${SHARDS_DEMO_PORT} --strictPort`,
      url: `http://127.0.0.1:${SHARDS_DEMO_PORT}/index.html`,
      reuseExistingServer: !process.env.CI,
      timeout: 60_000,
    },
  ],
};

export default config;
