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
          this.clock.setTimer(this.latency(), () => {
            // The node crashed meanwhile: this write never reached the disk.
            if (epoch !== this.epoch) return;
            this.writes++;
            this.durable.persist(batch).then(resolve, reject);
          });
        }),
    };
  }

  /** Every write still in flight is lost. */
  crash(): void {
    this.epoch++;
  }

  /** What is on disk now (for invariant checks). */
  load(): Promise<PersistedState> {
    return this.durable.load();
  }
}
