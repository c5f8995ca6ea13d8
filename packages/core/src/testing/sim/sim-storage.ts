import type { StorageError } from '../../errors.js';
import type { ClusterConfig } from '../../protocol/types.js';
import { MemoryStorage } from '../../storage/memory.js';
import type { PersistBatch, PersistedState, RaftStorage } from '../../storage/types.js';
import type { VirtualClock } from './virtual-clock.js';

/**
 * Durable storage for a simulated node. A write takes virtual time; a crash before it completes
 * loses it entirely (the batch is atomic), which is what a real disk does to an unsynced write.
 */
export class SimStorage {
  private readonly durable = new MemoryStorage();
  private epoch = 0;
  writes = 0;
  /** Virtual ms added to every write from now on (a test slows one node's disk). */
  extraLatency = 0;
  /** Sees each batch just before it reaches the disk (the simulator checks snapshots there). */
  onWrite: ((batch: PersistBatch) => void) | null = null;

  constructor(
    private readonly clock: VirtualClock,
    private readonly latency: () => number,
  ) {}

  /** A handle for one incarnation of the node; it dies with `crash()`. */
  handle(): RaftStorage {
    const epoch = this.epoch;
    return {
      load: (): Promise<PersistedState> => this.durable.load(),
      persist: (batch: PersistBatch): Promise<void> =>
        new Promise<void>((resolve, reject) => {
          this.clock.setTimer(this.latency() + this.extraLatency, () => {
            // The node crashed meanwhile: this write never reached the disk.
            if (epoch !== this.epoch) return;
            this.writes++;
            this.onWrite?.(batch);
            this.durable.persist(batch).then(resolve, reject);
          });
        }),
    };
  }

  /** The next write fails with `error` when it reaches the disk, writing nothing (MemoryStorage.failNextPersist). */
  failNextPersist(error?: StorageError): void {
    this.durable.failNextPersist(error);
  }

  /** Every write still in flight is lost. */
  crash(): void {
    this.epoch++;
  }

  /** What is on disk now (for invariant checks). */
  load(): Promise<PersistedState> {
    return this.durable.load();
  }

  /** The term on disk at `index` (see MemoryStorage.termAt). */
  termAt(index: number): number | undefined {
    return this.durable.termAt(index);
  }

  /** The configuration on disk for `index` (see MemoryStorage.configAt). */
  configAt(index: number): ClusterConfig | null {
    return this.durable.configAt(index);
  }

  get snapshotIndex(): number {
    return this.durable.snapshotIndex;
  }

  get lastIndex(): number {
    return this.durable.lastIndex;
  }
}
