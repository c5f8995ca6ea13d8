import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// From the TypeScript source (tests in a checkout) the CLI runs through tsx; from the build, as is.
const fromSource = import.meta.url.endsWith('.ts');
const packageDir = fileURLToPath(new URL('../..', import.meta.url));
const cli = fileURLToPath(new URL(fromSource ? '../../src/cli.ts' : '../../dist/cli.js', import.meta.url));
const nodeArgs = fromSource ? ['--import', 'tsx', '--conditions=source', cli] : [cli];

export interface RelayProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** Every JSON log line so far. */
  logs: Record<string, unknown>[];
  stderr: string[];
  /** SIGTERM (graceful shutdown); resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: a crash. */
  kill(): Promise<void>;
}

/**
 * Runs `webraft-server` (the CLI) as a child process with `args`; resolves once it logs `listening`.
 * For tests: the relay is a real process that can be stopped gracefully or killed.
 */
export function startRelayProcess(args: string[] = [], timeoutMs = 20_000): Promise<RelayProcess> {
  return startListeningProcess([...nodeArgs, ...args], timeoutMs);
}

/**
 * Runs `node <nodeArgs>` in this package's folder: a server that writes one JSON line per event to
 * stdout, as the CLI does; resolves once it logs `{"event":"listening","url":...,"port":...}`.
 */
export async function startListeningProcess(nodeArgs: string[], timeoutMs = 20_000): Promise<RelayProcess> {
  const child = spawn(process.execPath, nodeArgs, {
    cwd: packageDir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // A harness that gives up (a timed-out hook) must not leave the process behind.
  const reap = () => child.kill('SIGKILL');
  process.once('exit', reap);
  child.once('exit', () => process.off('exit', reap));
  const logs: Record<string, unknown>[] = [];
  const stderr: string[] = [];
  let buffered = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const listening = new Promise<{ url: string; port: number }>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the server did not start: ${stderr.join('')}`)),
      timeoutMs,
    );
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      buffered += chunk;
      let nl = buffered.indexOf('\n');
      while (nl >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        nl = buffered.indexOf('\n');
        let entry: Record<string, unknown>;
        try {
          entry = JSON.parse(line);
        } catch {
          reject(new Error(`a log line that is not JSON: ${line}`));
          continue;
        }
        logs.push(entry);
        if (entry.event === 'listening') {
          clearTimeout(timer);
          resolve({ url: entry.url as string, port: entry.port as number });
        }
      }
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => stderr.push(chunk));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code}) before listening: ${stderr.join('')}`));
    });
  });
  const { url, port } = await listening;
  return {
    url,
    port,
    child,
    logs,
    stderr,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
