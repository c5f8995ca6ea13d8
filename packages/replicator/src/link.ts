import type { NodeInstance, Transport } from '@webraft/core';
import { ReplicatorError } from './errors.js';
import {
  type ExchangeMessage,
  isExchangeMessage,
  type PullAnswer,
  type PullRequest,
  validateExchange,
} from './messages.js';

/** What the link hands to the replicator: validated messages and refusals. */
export interface LinkHandlers {
  request(from: string, request: PullRequest): void;
  hint(from: string): void;
  error(error: Error): void;
}

interface Pending {
  peer: string;
  resolve(answer: PullAnswer): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * The exchange over a webraft `Transport` (the contract of @webraft/core: BroadcastChannel, WebSocket,
 * WebRTC, MemoryNetwork): the transport address is the replica id. Every incoming message is validated
 * before anything sees it; answers are matched to the pending request they answer, by id and peer.
 * Traffic that is not the replicator's is ignored, so the transport may be shared.
 */
export class ExchangeLink {
  readonly id: string;
  readonly transport: Transport;
  readonly #handlers: LinkHandlers;
  readonly #instances = new Map<string, NodeInstance>();
  readonly #pending = new Map<number, Pending>();
  #closed = false;

  constructor(id: string, transport: Transport, handlers: LinkHandlers) {
    this.id = id;
    this.transport = transport;
    this.#handlers = handlers;
  }

  async open(): Promise<void> {
    await this.transport.open({
      address: this.id,
      gotData: (from, payload) => this.#received(from, payload),
      reportError: (error) => this.#handlers.error(error),
    });
  }

  #received(from: string, payload: unknown): void {
    if (this.#closed || !isExchangeMessage(payload)) return;
    let message: ExchangeMessage;
    try {
      message = validateExchange(from, this.id, payload);
    } catch (error) {
      this.#handlers.error(error as Error);
      return;
    }
    if (message.type === 'replicator.pull') this.#handlers.request(from, message);
    else if (message.type === 'replicator.changed') this.#handlers.hint(from);
    else {
      const pending = this.#pending.get(message.id);
      // An answer to no request of ours, or from a peer we did not ask, changes nothing.
      if (pending === undefined || pending.peer !== from) return;
      this.#settle(message.id);
      pending.resolve(message);
    }
  }

  #settle(id: number): void {
    const pending = this.#pending.get(id);
    if (pending !== undefined) clearTimeout(pending.timer);
    this.#pending.delete(id);
  }

  send(peer: string, message: ExchangeMessage): void {
    if (this.#closed) return;
    let instance = this.#instances.get(peer);
    if (instance === undefined) {
      instance = this.transport.createInstance(peer);
      this.#instances.set(peer, instance);
    }
    instance.write(message);
  }

  /** Sends `request` to `peer`; resolves with its answer or rejects with `PEER_TIMEOUT` after `timeoutMs`. */
  request(peer: string, request: PullRequest, timeoutMs: number): Promise<PullAnswer> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#settle(request.id);
        reject(
          new ReplicatorError(
            'PEER_TIMEOUT',
            `peer ${JSON.stringify(peer)} did not answer in ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      this.#pending.set(request.id, { peer, resolve, reject, timer });
      this.send(peer, request);
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const [id, pending] of this.#pending) {
      this.#settle(id);
      pending.reject(new ReplicatorError('CLOSED', 'the replicated database is closed'));
    }
    for (const instance of this.#instances.values()) instance.close();
    await this.transport.close();
  }
}
