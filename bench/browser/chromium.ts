/**
 * Chromium for the browser benchmarks: Debian's `/usr/bin/chromium` (never a downloaded one) driven by
 * Playwright's library API, and the e2e test-page server (e2e/vite.config.ts, cross-origin isolated so
 * `performance.now()` has 5 us steps), started here and stopped after.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';

const rootDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Chromium's path and flags, from the browser tests' settings (playwright.config.ts): one list of the
 * flags that work headless and offline here. Loaded at run time (through tsx), outside this project.
 */
async function launchOptions(): Promise<{ executablePath?: string; args?: string[] }> {
  const config = (await import(pathToFileURL(join(rootDir, 'playwright.config.ts')).href)) as {
    default: { use?: { launchOptions?: { executablePath?: string; args?: string[] } } };
  };
  return config.default.use?.launchOptions ?? {};
}

export interface BrowserBench {
  browser: Browser;
  baseURL: string;
  close(): Promise<void>;
}

async function waitForServer(url: string, server: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`the page server exited (${server.exitCode})`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the page server did not answer at ${url}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A Vite server of pages: the pnpm command that starts it, the port it listens on. */
export interface PageServer {
  command: string[];
  port: number;
}

/** The e2e test pages (e2e/pages) on `E2E_PORT`, default 5199. */
const E2E_PAGES: PageServer = {
  command: ['--filter', '@webraft/e2e', 'serve'],
  port: Number(process.env.E2E_PORT ?? 5199),
};

/** apps/collab as `pnpm demo` serves it (without a relay), 10 above the e2e pages' port. */
export const COLLAB_APP: PageServer = {
  command: ['--filter', '@webraft/collab', 'dev', '--port', String(E2E_PAGES.port + 10), '--strictPort'],
  port: E2E_PAGES.port + 10,
};

/** Starts a page server (the e2e test pages unless told) and Chromium. */
export async function startBrowserBench(pages: PageServer = E2E_PAGES): Promise<BrowserBench> {
  const port = pages.port;
  const baseURL = `http://127.0.0.1:${port}`;
  const server = spawn('pnpm', pages.command, {
    cwd: rootDir,
    env: { ...process.env, E2E_PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true, // its own process group: stopped with everything it started
  });
  const stopServer = () => {
    if (server.pid !== undefined && server.exitCode === null) {
      try {
        process.kill(-server.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  };
  try {
    await waitForServer(`${baseURL}/index.html`, server, 60_000);
    const browser = await chromium.launch({ ...(await launchOptions()), headless: true });
    return {
      browser,
      baseURL,
      close: async () => {
        await browser.close();
        stopServer();
      },
    };
  } catch (error) {
    stopServer();
    throw error;
  }
}

/** Latencies (ms) of a closed-loop run in a page, and the seconds it took (e2e/pages/bench-node.ts). */
export interface PageRun {
  latencies: number[];
  seconds: number;
}

/** What a benchmark page with a Raft node puts on `window.bench`. */
type NodePage = {
  bench: { state: string; propose(ops: number, warmup: number, inflight: number): Promise<PageRun> };
};

/** The page whose node leads, once one does (at most `timeoutMs`). */
export async function findLeader(pages: readonly Page[], timeoutMs = 10_000): Promise<Page> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const page of pages)
      if ((await page.evaluate(() => (globalThis as unknown as NodePage).bench.state)) === 'leader')
        return page;
    if (Date.now() > deadline) throw new Error(`no leader within ${timeoutMs / 1000} s`);
  }
}

/** Closed-loop proposals on the leader's page: `inflight` outstanding, `ops` measured after `warmup`. */
export function proposeOn(leader: Page) {
  return (ops: number, warmup: number, inflight: number): Promise<PageRun> =>
    leader.evaluate(([o, w, i]) => (globalThis as unknown as NodePage).bench.propose(o, w, i), [
      ops,
      warmup,
      inflight,
    ] as const);
}
