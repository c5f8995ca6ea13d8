/** Frames kept while disconnected: at most SEND_QUEUE_MAX_FRAMES frames and SEND_QUEUE_MAX_BYTES characters. */
export const SEND_QUEUE_MAX_FRAMES = 1024;
export const SEND_QUEUE_MAX_CHARS = 8 * 1024 * 1024;

/**
 * A bounded FIFO of encoded frames. When full, the oldest frames go first (Raft resends what still
 * matters, and newer messages supersede older ones); `push` says how many it dropped.
 */
export class SendQueue {
  #frames: string[] = [];
  #head = 0;
  #chars = 0;

  constructor(
    readonly maxFrames = SEND_QUEUE_MAX_FRAMES,
    readonly maxChars = SEND_QUEUE_MAX_CHARS,
  ) {}

  get length(): number {
    return this.#frames.length - this.#head;
  }

  /** Appends `frame`, dropping the oldest frames to make room; returns how many were dropped. */
  push(frame: string): number {
    this.#frames.push(frame);
    this.#chars += frame.length;
    let dropped = 0;
    while (this.length > this.maxFrames || (this.#chars > this.maxChars && this.length > 1)) {
      this.#chars -= (this.#frames[this.#head] as string).length;
      this.#head++;
      dropped++;
    }
    return dropped;
  }

  /** Removes and returns every frame, oldest first. */
  drain(): string[] {
    const out = this.#frames.slice(this.#head);
    this.clear();
    return out;
  }

  clear(): void {
    this.#frames = [];
    this.#head = 0;
    this.#chars = 0;
  }
}
