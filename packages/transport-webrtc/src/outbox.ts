import { encodeFrames } from './framing.js';

/** Messages one link keeps while its channel is connecting or its buffer is full (count and characters). */
export const OUTBOX_MAX_MESSAGES = 1024;
export const OUTBOX_MAX_CHARS = 16 * 1024 * 1024;

/** Where the outbox writes: a data channel that may refuse more for a while. */
export interface FrameSink {
  readonly writable: boolean;
  send(frame: string): void;
}

/**
 * The messages waiting for one peer's data channel, as JSON, bounded: when full, the oldest waiting
 * messages go first (Raft resends what still matters; newer messages supersede older ones). The outbox
 * is its channel's only writer, so the frames of one message go out back to back (a full buffer only
 * pauses them): the receiver needs one partial message per channel.
 */
export class Outbox {
  #messages: string[] = [];
  #head = 0;
  #chars = 0;
  /** The frames of the message being sent, and how many went out. */
  #frames: string[] = [];
  #sent = 0;

  constructor(
    readonly maxMessages = OUTBOX_MAX_MESSAGES,
    readonly maxChars = OUTBOX_MAX_CHARS,
  ) {}

  get length(): number {
    return this.#messages.length - this.#head;
  }

  /** Appends `json`, dropping the oldest waiting messages to make room; returns how many were dropped. */
  push(json: string): number {
    this.#messages.push(json);
    this.#chars += json.length;
    let dropped = 0;
    while (this.length > this.maxMessages || (this.#chars > this.maxChars && this.length > 1)) {
      this.#chars -= (this.#messages[this.#head] as string).length;
      this.#head++;
      dropped++;
    }
    this.#compact();
    return dropped;
  }

  /** Sends frames while `sink` takes them. */
  flush(sink: FrameSink): void {
    while (sink.writable) {
      if (this.#sent === this.#frames.length) {
        const next = this.#take();
        if (next === undefined) return;
        this.#frames = encodeFrames(next);
        this.#sent = 0;
      }
      sink.send(this.#frames[this.#sent++] as string);
    }
  }

  /**
   * Removes every message not yet begun (the one half sent is dropped: its channel is gone). For
   * sending them another way.
   */
  drain(): string[] {
    const out = this.#messages.slice(this.#head);
    this.clear();
    return out;
  }

  /** Forgets the rest of a half-sent message: a new channel's receiver starts afresh. */
  abandonPartial(): void {
    this.#frames = [];
    this.#sent = 0;
  }

  clear(): void {
    this.#messages = [];
    this.#head = 0;
    this.#chars = 0;
    this.#frames = [];
    this.#sent = 0;
  }

  #take(): string | undefined {
    if (this.length === 0) return undefined;
    const json = this.#messages[this.#head] as string;
    this.#head++;
    this.#chars -= json.length;
    this.#compact();
    return json;
  }

  #compact(): void {
    if (this.#head > 1024 && this.#head * 2 > this.#messages.length) {
      this.#messages = this.#messages.slice(this.#head);
      this.#head = 0;
    }
  }
}
