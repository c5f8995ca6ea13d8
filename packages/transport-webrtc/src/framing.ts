/**
 * The framing on a data channel: text frames, the first character says what the rest is.
 *   `m<json>`  a whole message (its payload's JSON);
 *   `p<text>`  a part of a message, more parts follow;
 *   `e<text>`  the last part: the parts so far and this one, joined, are the payload's JSON;
 *   `h`        hello: sent by each side once its channel is open. A side sends messages only after
 *              the other's hello, so none can reach a channel whose receiving end is not listening yet.
 * The channel is ordered and reliable and a sender sends the parts of one message back to back, so a
 * receiver needs only one partial message per channel. Frames are kept below `CHUNK_CHARS` characters
 * (at most 3 bytes each in UTF-8: under 64 KiB, the size every browser's data channel carries).
 */

/** Characters of a message's JSON per frame (a surrogate pair is never split: one less then). */
export const CHUNK_CHARS = 16 * 1024;

/** Splits a payload's JSON into frames. */
export function encodeFrames(json: string, chunkChars = CHUNK_CHARS): string[] {
  if (json.length <= chunkChars) return [`m${json}`];
  const frames: string[] = [];
  let start = 0;
  while (start < json.length) {
    let end = Math.min(start + chunkChars, json.length);
    // A high surrogate at the cut would become U+FFFD on each side once encoded as UTF-8.
    const last = json.charCodeAt(end - 1);
    if (end < json.length && last >= 0xd800 && last <= 0xdbff) end--;
    frames.push(`${end === json.length ? 'e' : 'p'}${json.slice(start, end)}`);
    start = end;
  }
  return frames;
}

/** The hello frame. */
export const HELLO_FRAME = 'h';

/** What a frame amounted to. */
export type Reassembled =
  | { kind: 'message'; payload: unknown }
  | { kind: 'hello' }
  /** A part was kept; nothing to hand over yet. */
  | { kind: 'partial' }
  | { kind: 'undecodable'; reason: string }
  /** The message grew past the limit: dropped (reported once, on the frame that crossed it). */
  | { kind: 'too-large'; chars: number }
  /** A part of a message already refused as too large: dropped silently. */
  | { kind: 'skipped' };

/** Reassembles the messages of one data channel, holding at most `maxChars` of one partial message. */
export class Reassembler {
  #parts: string[] = [];
  #chars = 0;
  /** The current message crossed the limit: its remaining parts are dropped. */
  #oversized = false;

  constructor(readonly maxChars: number) {}

  push(frame: unknown): Reassembled {
    if (typeof frame !== 'string') {
      this.#reset();
      return { kind: 'undecodable', reason: 'a frame that is not text' };
    }
    if (frame === HELLO_FRAME) return { kind: 'hello' };
    const kind = frame.charAt(0);
    if (kind === 'm') {
      // A whole message while parts were pending: a broken sender; the partial message is lost.
      const interrupted = this.#chars > 0;
      this.#reset();
      if (interrupted) return { kind: 'undecodable', reason: 'a message interrupted a partial one' };
      return this.#decode(frame.slice(1), frame.length - 1);
    }
    if (kind !== 'p' && kind !== 'e') {
      this.#reset();
      return { kind: 'undecodable', reason: 'an unknown frame kind' };
    }
    const last = kind === 'e';
    if (this.#oversized) {
      if (last) this.#reset();
      return { kind: 'skipped' };
    }
    this.#chars += frame.length - 1;
    if (this.#chars > this.maxChars) {
      const chars = this.#chars;
      this.#parts = [];
      this.#oversized = !last;
      if (last) this.#chars = 0;
      return { kind: 'too-large', chars };
    }
    this.#parts.push(frame.slice(1));
    if (!last) return { kind: 'partial' };
    const json = this.#parts.join('');
    this.#reset();
    return this.#decode(json, json.length);
  }

  #decode(json: string, chars: number): Reassembled {
    if (chars > this.maxChars) return { kind: 'too-large', chars };
    try {
      return { kind: 'message', payload: JSON.parse(json) };
    } catch {
      return { kind: 'undecodable', reason: 'the payload is not JSON' };
    }
  }

  #reset(): void {
    this.#parts = [];
    this.#chars = 0;
    this.#oversized = false;
  }
}
