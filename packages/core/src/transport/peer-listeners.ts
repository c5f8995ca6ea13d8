import { microtask } from '../runtime/microtask.js';

/**
 * The `onPeer` / `onPeerGone` listeners of a transport (the Transport contract in types.ts), for
 * adapters to share. A new `onPeer` listener learns of the peers already present on a later
 * microtask, each only if it is still present and the listener still subscribed then, so a caller
 * can subscribe before it is ready to handle a report. The transport keeps its own set of present
 * peers (its rules for who counts differ) and calls `joined`/`left` as it changes.
 */
export class PeerListeners {
  readonly #joined = new Set<(address: string) => void>();
  readonly #left = new Set<(address: string) => void>();

  /** `defer`: how a replay is put off (promise work by default, or a test's injected scheduler). */
  constructor(private readonly defer: (task: () => void) => void = microtask) {}

  /** Subscribes `listener`; the peers in `present` now are reported to it later. Returns an unsubscribe function. */
  onPeer(listener: (address: string) => void, present: ReadonlySet<string>): () => void {
    this.#joined.add(listener);
    for (const peer of present)
      this.defer(() => {
        if (this.#joined.has(listener) && present.has(peer)) listener(peer);
      });
    return () => void this.#joined.delete(listener);
  }

  onPeerGone(listener: (address: string) => void): () => void {
    this.#left.add(listener);
    return () => void this.#left.delete(listener);
  }

  /** `address` is present now: tell every `onPeer` listener (a copy of the set: one may unsubscribe). */
  joined(address: string): void {
    for (const listener of [...this.#joined]) listener(address);
  }

  /** `address` went away: tell every `onPeerGone` listener. */
  left(address: string): void {
    for (const listener of [...this.#left]) listener(address);
  }

  /** Drops every listener (the transport closed). */
  clear(): void {
    this.#joined.clear();
    this.#left.clear();
  }
}
