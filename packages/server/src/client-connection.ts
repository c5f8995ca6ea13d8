import { CloseCode, encodeFrame, type ServerFrame } from '@webraft/transport-websocket/protocol';
import type { WebSocket } from 'ws';
import type { DisconnectReason, Metrics } from './metrics.js';
import type { RelayServerOptions } from './options.js';
import { TokenBucket } from './rate-limit.js';

/**
 * One authenticated client: its identity (room and node id, fixed when it connected), its rate limits,
 * and the slow-consumer rule on what is sent to it.
 *
 * Slow consumers: what the server sends waits in the connection's buffer until the client reads it.
 * While more than `sendBuffer` bytes wait, messages for this client are dropped (counted
 * `slow_consumer`; Raft resends what matters); once the buffer has stayed past `sendBuffer` for
 * `slowConsumerMs`, the client is disconnected with 4429. A client's memory on the server is thus
 * bounded by `sendBuffer` plus one frame.
 */
export class ClientConnection {
  /** Answered the last ping (or sent something) since the last sweep. */
  alive = true;
  /** When the send buffer went past `sendBuffer` (null: it is not). */
  #overSince: number | null = null;
  #closed = false;
  /** The welcome was sent: membership news before it would arrive ahead of the peer list. */
  welcomed = false;
  /** A newer connection of the same node took over (here or on another relay). */
  replaced = false;
  readonly messages: TokenBucket;
  readonly bytes: TokenBucket;

  constructor(
    readonly ws: WebSocket,
    readonly room: string,
    readonly id: string,
    readonly remote: string,
    private readonly options: RelayServerOptions,
    private readonly metrics: Metrics,
    private readonly onDisconnect: (reason: DisconnectReason) => void,
  ) {
    this.messages = new TokenBucket(options.rateMessages, options.rateMessages * 2);
    this.bytes = new TokenBucket(options.rateBytes, Math.max(options.rateBytes * 2, options.maxFrame));
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Sends a control frame (welcome, joined, left, pong), under the same buffer rule as messages. */
  sendFrame(frame: ServerFrame): boolean {
    return this.deliver(encodeFrame(frame));
  }

  /** Sends an encoded frame unless the client's buffer is full; false when it was dropped. */
  deliver(text: string): boolean {
    if (this.#closed) return false;
    if (this.ws.bufferedAmount > this.options.sendBuffer) {
      this.metrics.drop('slow_consumer');
      const now = performance.now();
      this.#overSince ??= now;
      if (now - this.#overSince >= this.options.slowConsumerMs) this.disconnect('slow_consumer');
      return false;
    }
    this.#overSince = null;
    this.ws.send(text);
    return true;
  }

  /** The periodic sweep: a connection that stayed over its buffer too long is cut off even when idle. */
  checkSlow(now: number): void {
    if (this.#overSince !== null && this.ws.bufferedAmount <= this.options.sendBuffer) this.#overSince = null;
    if (this.#overSince !== null && now - this.#overSince >= this.options.slowConsumerMs)
      this.disconnect('slow_consumer');
  }

  /** Closes the connection for `reason`. A slow or dead client cannot finish a close handshake: cut it. */
  disconnect(reason: DisconnectReason, code?: number): void {
    if (this.#closed) return;
    this.#closed = true;
    if (reason === 'replaced') this.replaced = true;
    this.metrics.disconnect(reason);
    this.onDisconnect(reason);
    if (reason === 'dead' || reason === 'slow_consumer') {
      // Tell it why if the socket still takes data, then cut the TCP connection at once.
      this.ws.close(reason === 'dead' ? CloseCode.DEAD : CloseCode.SLOW_CONSUMER, reason);
      this.ws.terminate();
    } else this.ws.close(code ?? CloseCode.SHUTDOWN, reason);
  }

  /** The socket closed (by either side). */
  markClosed(): void {
    this.#closed = true;
  }
}
