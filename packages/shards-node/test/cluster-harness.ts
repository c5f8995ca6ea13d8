/**
 * Real processes on loopback for the end-to-end test and the benchmark: a relay (`webraft-server`),
 * storage servers and coordinator members (`webraft-coordinator`), and the CLI. Every port is picked by
 * the system (port 0) and read from the process's `listening` line.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type RelayProcess, startListeningProcess, startRelayProcess } from '@webraft/server/testing';

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const cliArgs = ['--import', 'tsx', '--conditions=source', cli];
const run = promisify(execFile);
/** Processes start through tsx on a busy machine: give them time. */
const START_TIMEOUT_MS = 90_000;

export type ServiceProcess = RelayProcess;

/** Polls `check` every 50 ms until it holds (or resolves true); fails after `timeoutMs` with `what`. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await Promise.resolve(check()).catch(() => false)) return;
    if (Date.now() > until) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export class ShardCluster {
  relay!: RelayProcess;
  readonly storage = new Map<string, ServiceProcess>();
  readonly coordinators = new Map<string, ServiceProcess>();
  readonly storageDirs = new Map<string, string>();
  readonly coordinatorIds: string[];
  root = '';

  constructor(
    readonly coordinatorCount = 3,
    readonly room = `shards-${process.pid}`,
    readonly leaseMs = 2_000,
  ) {
    this.coordinatorIds = Array.from({ length: coordinatorCount }, (_, i) => `c${i + 1}`);
  }

  async start(storageIds: string[]): Promise<void> {
    this.root = await mkdtemp(join(tmpdir(), 'webraft-shards-'));
    this.relay = await startRelayProcess(['--port', '0'], START_TIMEOUT_MS);
    await Promise.all(storageIds.map((id) => this.startStorage(id)));
    await Promise.all(this.coordinatorIds.map((id) => this.startCoordinator(id)));
  }

  async startStorage(id: string): Promise<ServiceProcess> {
    const dir = this.storageDirs.get(id) ?? join(this.root, `storage-${id}`);
    this.storageDirs.set(id, dir);
    // A restarted server comes back on its old port: the registry knows it by its URL.
    const port = String(this.storage.get(id)?.port ?? 0);
    const p = await startListeningProcess(
      [...cliArgs, 'storage-server', '--dir', dir, '--port', port],
      START_TIMEOUT_MS,
    );
    this.storage.set(id, p);
    return p;
  }

  async startCoordinator(id: string): Promise<ServiceProcess> {
    const p = await startListeningProcess(
      [
        ...cliArgs,
        'serve',
        '--id',
        id,
        '--peers',
        this.coordinatorIds.join(','),
        '--data',
        join(this.root, `coordinator-${id}`),
        '--relay',
        this.relay.url,
        '--room',
        this.room,
        '--lease-ms',
        String(this.leaseMs),
      ],
      START_TIMEOUT_MS,
    );
    this.coordinators.set(id, p);
    return p;
  }

  /** Runs the CLI; resolves with its stdout, rejects with its stderr and exit code. */
  async cli(...args: string[]): Promise<string> {
    const { stdout } = await run(process.execPath, [...cliArgs, ...args], { timeout: 60_000 });
    return stdout;
  }

  coordinatorUrl(id: string): string {
    return this.coordinators.get(id)!.url;
  }

  async status(id: string): Promise<{
    member: { leader: string | null; role: string };
    tasks: unknown[];
    counters: { shardId: string; uploadsOk: number; replicationsDone: number; replicationsPending: number }[];
  }> {
    const res = await fetch(`${this.coordinatorUrl(id)}/status`);
    return (await res.json()) as never;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.coordinators.values(), ...this.storage.values()].map((p) => p.kill()));
    await this.relay?.kill();
    if (this.root) await rm(this.root, { recursive: true, force: true });
  }
}
