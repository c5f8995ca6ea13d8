import { type Clock, systemClock } from '@webraft/core';
import type { BlobStore } from './blob-store.js';
import { type Digest, sha256Hex } from './digest.js';
import type { RegistryClient } from './registry-client.js';
import type { RegistryView } from './registry-machine.js';
import type { RegistryState, TaskRecord } from './registry-state.js';

export interface ShardReplicatorOptions {
  /** Its name in claims: unique among replicators. */
  id: string;
  /** How long a claim holds a task (ms of log time). Default 10 s. */
  leaseMs?: number;
  /** The longest wait for a change before looking at the queue again (ms). Default 1 s. */
  idleMs?: number;
  /**
   * Its timers (the idle wait). Time itself is read from the client's clock, the one entries are
   * stamped with: leases and backoffs are in that time, and a monotonic clock (performance.now())
   * counts from another origin than the wall clock a client stamps with.
   */
  clock?: Clock;
  /** The digest uploads were recorded with (coordinator.ts). Default SHA-256 via WebCrypto. */
  digest?: Digest;
}

/** Tasks a replicator may claim at `now` (log time): free and due, or with a lapsed lease. */
export function claimableTasks(state: RegistryState, now: number, replicator: string): TaskRecord[] {
  return state.tasks.filter((t) =>
    t.holder === null ? t.notBefore <= now : t.leaseUntil <= now || t.holder === replicator,
  );
}

/** A stable spread of replicators over the queue: each starts at its own place in it. */
function startOffset(id: string, length: number): number {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  return length === 0 ? 0 : h % length;
}

/**
 * The seed's backpack-replicator: claims a task with a lease (a proposal), copies the file from a
 * server that holds it to the task's target, and completes it; a copy that fails is reported and
 * retried after a backoff. It reads servers and shards from the registry as each change applies.
 * Any number may run: a claim is granted to one at a time, and a lapsed lease lets another take over.
 */
export class ShardReplicator {
  readonly id: string;
  readonly #leaseMs: number;
  readonly #idleMs: number;
  readonly #clock: Clock;
  readonly #digest: Digest;
  #running = false;
  #loop: Promise<void> | null = null;
  #wake: (() => void) | null = null;
  /** Tasks this replicator copied, for tests and the status route. */
  copied = 0;

  constructor(
    readonly client: RegistryClient,
    readonly registry: RegistryView,
    readonly blobs: BlobStore,
    options: ShardReplicatorOptions,
  ) {
    this.id = options.id;
    this.#leaseMs = options.leaseMs ?? 10_000;
    this.#idleMs = options.idleMs ?? 1000;
    this.#clock = options.clock ?? systemClock;
    this.#digest = options.digest ?? sha256Hex;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    const off = this.registry.subscribe(() => this.#wake?.());
    this.#loop = this.#run().finally(off);
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#wake?.();
    await this.#loop;
    this.#loop = null;
  }

  async #run(): Promise<void> {
    while (this.#running) {
      let worked = false;
      try {
        worked = await this.runOnce();
      } catch {
        // No leader, a timeout: the queue is still there; look again after a pause.
      }
      if (!worked && this.#running) await this.#idle();
    }
  }

  /** Waits for a registry change or `idleMs`, whichever comes first. */
  #idle(): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.#clock.setTimer(this.#idleMs, () => done());
      const done = () => {
        this.#clock.clearTimer(timer);
        this.#wake = null;
        resolve();
      };
      this.#wake = done;
    });
  }

  /**
   * Claims and works one task. Resolves false when none was claimable (nothing to do now), true when
   * it tried one (copied it, failed it, or lost the claim to another replicator).
   */
  async runOnce(): Promise<boolean> {
    const tasks = claimableTasks(this.registry.state, this.client.clock.now(), this.id);
    if (tasks.length === 0) return false;
    const task = tasks[startOffset(this.id, tasks.length)]!;
    const claim = await this.client.propose({
      op: 'claim',
      task: task.id,
      replicator: this.id,
      leaseMs: this.#leaseMs,
    });
    if (!claim.ok) return true;
    let failure: string | null = null;
    try {
      failure = await this.#copy(task);
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
    }
    if (failure === null) {
      const done = await this.client.propose({ op: 'complete', task: task.id, replicator: this.id });
      if (done.ok) this.copied++;
    } else {
      await this.client.propose({ op: 'fail', task: task.id, replicator: this.id, reason: failure });
    }
    return true;
  }

  /** Copies the task's file to its target: null when done, else why not. */
  async #copy(task: TaskRecord): Promise<string | null> {
    const state = this.registry.state;
    const target = state.server(task.target);
    if (!target) return `target server ${task.target} is not registered`;
    const file = state.fileOf(task);
    let bytes: Uint8Array | null = null;
    for (const id of file?.holders ?? []) {
      const server = state.server(id);
      if (!server) continue;
      const found = await this.blobs.get(server, task.name).catch(() => null);
      // Only the recorded bytes are copied: a holder's disk may have lost or changed them.
      if (found !== null && (await this.#digest(found)) === file?.digest) {
        bytes = found;
        break;
      }
    }
    if (bytes === null) return `no holder of ${task.shardId}:${task.name} answered with its recorded bytes`;
    await this.blobs.put(target, task.name, bytes, 'replace');
    return null;
  }
}
