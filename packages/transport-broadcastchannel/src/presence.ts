import { platform } from './platform.js';

/**
 * Who is on the channel: peers heard from recently. Every valid frame from a peer (a message or a
 * presence beacon) refreshes it, so a busy peer is never timed out even when its timers are throttled
 * (a hidden tab's timers may fire once a minute; its replies to Raft messages still flow).
 */

/** How often an open transport says `here` and looks for silent peers (ms). */
export const PRESENCE_INTERVAL_MS = 1000;
/**
 * A peer not heard from for this long is reported gone (ms): three missed beacons and a half, so one
 * late timer (a busy tab, a garbage collection) does not report a live peer gone.
 */
export const PRESENCE_TIMEOUT_MS = 3500;
/**
 * Peers tracked at most. Beyond this, new ids are ignored (and counted) until some go: a script that
 * posts hellos under random ids cannot grow the table, or the `onPeer` reports, without bound.
 */
export const MAX_TRACKED_PEERS = 256;

type Listener = (address: string) => void;

export class PeerTable {
  readonly #lastSeen = new Map<string, number>();
  readonly #joined = new Set<Listener>();
  readonly #gone = new Set<Listener>();
  /** Ids ignored because the table was full. */
  ignored = 0;

  constructor(
    private readonly now: () => number,
    private readonly onListenerError: (error: unknown) => void,
  ) {}

  /** `address` was heard from. Reports it if it is new. */
  seen(address: string): void {
    const table = this.#lastSeen;
    if (table.has(address)) {
      table.set(address, this.now());
      return;
    }
    if (table.size >= MAX_TRACKED_PEERS) {
      this.ignored++;
      return;
    }
    table.set(address, this.now());
    this.#emit(this.#joined, address);
  }

  /** `address` said goodbye. */
  left(address: string): void {
    if (this.#lastSeen.delete(address)) this.#emit(this.#gone, address);
  }

  /** Reports the peers not heard from since `timeoutMs` ago as gone. */
  sweep(timeoutMs: number): void {
    const cutoff = this.now() - timeoutMs;
    for (const [address, at] of this.#lastSeen) if (at < cutoff) this.left(address);
  }

  get peers(): string[] {
    return [...this.#lastSeen.keys()];
  }

  onJoined(listener: Listener): () => void {
    this.#joined.add(listener);
    // A late subscriber hears of the peers already known, on a later microtask (as a newcomer would).
    const known = this.peers;
    platform.queueMicrotask(() => {
      for (const address of known)
        if (this.#joined.has(listener) && this.#lastSeen.has(address)) this.#call(listener, address);
    });
    return () => void this.#joined.delete(listener);
  }

  onGone(listener: Listener): () => void {
    this.#gone.add(listener);
    return () => void this.#gone.delete(listener);
  }

  /** Forgets every peer and listener, reporting nothing. */
  clear(): void {
    this.#lastSeen.clear();
    this.#joined.clear();
    this.#gone.clear();
  }

  #emit(listeners: Set<Listener>, address: string): void {
    for (const listener of listeners) this.#call(listener, address);
  }

  #call(listener: Listener, address: string): void {
    try {
      listener(address);
    } catch (error) {
      this.onListenerError(error);
    }
  }
}
