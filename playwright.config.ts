// Type-only import: @playwright/test is a dependency of the e2e package, not of the root, and the
// config must load from there (`pnpm test:e2e` runs `playwright test --config ../playwright.config.ts`).
import type { PlaywrightTestConfig } from '@playwright/test';

/**
 * Browser tests (DESIGN.md section 7.4) in Debian's Chromium (`apt-get install -y chromium`), never a
 * downloaded browser (`npx playwright install` fails on these machines). Run browser and WebRTC tests in a
 * loopback-only network namespace:
 *   unshare -n sh -c 'ip link set lo up && exec "$@"' sh pnpm test:e2e
 */

/** Flags that work headless and offline here (see TOOLCHAIN.md). */
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
};

export default config;
