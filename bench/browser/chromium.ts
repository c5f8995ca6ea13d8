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

/** Starts the page server on `E2E_PORT` (default 5199) and Chromium. */
export async function startBrowserBench(): Promise<BrowserBench> {
  const port = Number(process.env.E2E_PORT ?? 5199);
  const baseURL = `http://127.0.0.1:${port}`;
  const server = spawn('pnpm', ['--filter', '@webraft/e2e', 'serve'], {
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
