import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * `pnpm demo` (scripts/demo.ts) as a user runs it: it prints the board's URL and the relay's, the page
 * is served with the relay's port in it, the relay answers, and Ctrl-C (SIGINT) stops both.
 */
const script = fileURLToPath(new URL('../scripts/demo.ts', import.meta.url));
const appDir = fileURLToPath(new URL('..', import.meta.url));
let demo: ChildProcess | null = null;

afterEach(() => {
  if (demo?.exitCode === null) demo.kill('SIGKILL');
  demo = null;
});

/**
 * Starts the demo on free ports and resolves with the two URLs it printed. Its output is read to the
 * end: a `for await` that returned at the first match would close the pipe, and the demo's next line
 * would then fail with EPIPE and take the demo (and its server) down.
 */
function startDemo(): Promise<{ board: string; relay: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=source', script, '--port', '0', '--relay-port', '0'],
    { cwd: appDir, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  demo = child;
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk) => {
      output += String(chunk);
      const printed = /Collab board: (http:\/\/\S+)\s+\(relay (ws:\/\/\S+)\)/.exec(output);
      if (printed) resolve({ board: printed[1]!, relay: printed[2]! });
    });
    child.once('exit', () => reject(new Error(`the demo exited without printing its URL: ${output}`)));
  });
}

describe('pnpm demo', () => {
  it('starts the relay and serves the board, printing the URL; SIGINT stops both', async () => {
    const { board, relay } = await startDemo();
    const html = await (await fetch(board)).text();
    expect(html).toContain('<title>webraft collab board</title>');
    // The page learns the relay's port from Vite's env (src/board-location.ts).
    const module = await (await fetch(new URL('src/board-location.ts', board))).text();
    expect(module).toContain(`"VITE_COLLAB_RELAY_PORT": "${new URL(relay).port}"`);
    const health = await fetch(relay.replace('ws://', 'http://') + '/healthz');
    expect(health.status).toBe(200);

    demo!.kill('SIGINT');
    const [code] = await once(demo!, 'exit');
    expect(code).toBe(0);
    await expect(fetch(board)).rejects.toThrow();
    await expect(fetch(relay.replace('ws://', 'http://') + '/healthz')).rejects.toThrow();
  });
});
