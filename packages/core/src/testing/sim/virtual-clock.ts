import type { Clock } from '../../runtime/clock.js';

interface Scheduled {
  at: number;
  seq: number;
  run: () => void;
  cancelled: boolean;
}

/**
 * Virtual time for the simulator: a priority queue of callbacks ordered by (time, insertion order).
 * Nothing happens until the simulator pops the next event, so a run is fully reproducible.
 */
export class VirtualClock implements Clock {
  private time = 0;
  private seq = 0;
  private heap: Scheduled[] = [];

  now(): number {
    return this.time;
  }

  setTimer(delayMs: number, callback: () => void): unknown {
    return this.schedule(this.time + Math.max(0, delayMs), callback);
  }

  defer(callback: () => void): void {
    this.schedule(this.time, callback);
  }

  clearTimer(handle: unknown): void {
    if (handle) (handle as Scheduled).cancelled = true;
  }

  schedule(at: number, run: () => void): Scheduled {
    const item: Scheduled = { at: Math.max(at, this.time), seq: this.seq++, run, cancelled: false };
    this.push(item);
    return item;
  }

  /** Time of the next live event, or undefined when nothing is scheduled. */
  peekTime(): number | undefined {
    this.dropCancelled();
    return this.heap[0]?.at;
  }

  /** Advances time to the next event and runs it. Returns false when nothing is left. */
  runNext(): boolean {
    this.dropCancelled();
    const item = this.pop();
    if (!item) return false;
    this.time = item.at;
    item.run();
    return true;
  }

  /** Moves time forward without running anything (used when the queue is empty). */
  advanceTo(time: number): void {
    if (time > this.time) this.time = time;
  }

  private dropCancelled(): void {
    while (this.heap.length > 0 && this.heap[0]!.cancelled) this.pop();
  }

  private less(a: Scheduled, b: Scheduled): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(item: Scheduled): void {
    const h = this.heap;
    h.push(item);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private pop(): Scheduled | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}
