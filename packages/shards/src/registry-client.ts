import type { RegistryCommand } from './commands.js';
import { InvalidArgumentError, RegistryError } from './errors.js';
import type { RegistryResult } from './registry-state.js';
import { parseSize } from './size.js';

/** The member a client proposes through: a RaftInterface fits. */
export interface RegistryNode {
  propose(command: unknown, options?: { timeoutMs?: number }): Promise<{ result: unknown }>;
  /** A linearizable read barrier: after it, the local state holds every change committed before. */
  read?(options?: { timeoutMs?: number }): Promise<unknown>;
}

/** The proposer's clock (ms). Only used to stamp entries: the registry decides with log time. */
export interface TimeSource {
  now(): number;
}

export interface RegistryClientOptions {
  /** Prefix of this client's proposal ids: unique among the registry's clients (a random one by default). */
  clientId?: string;
  clock?: TimeSource;
  timeoutMs?: number;
}

const wallClock: TimeSource = { now: () => Date.now() };

/**
 * Proposes registry commands through a member and turns refusals into `RegistryError`s. Each command
 * is one proposal, stamped with a proposal id and the proposer's time (commands.ts). The admin calls
 * (the seed's add-server, add-shard, enable-shard, ...) live here.
 */
export class RegistryClient {
  readonly clientId: string;
  readonly clock: TimeSource;
  readonly #timeoutMs: number | undefined;
  #seq = 0;

  constructor(
    readonly node: RegistryNode,
    options: RegistryClientOptions = {},
  ) {
    this.clientId = options.clientId ?? `c${Math.random().toString(36).slice(2, 10)}`;
    this.clock = options.clock ?? wallClock;
    this.#timeoutMs = options.timeoutMs;
  }

  /** Proposes `command`; resolves with the registry's result, a refusal included. */
  async propose(command: RegistryCommand): Promise<RegistryResult> {
    const entry = { ...command, id: `${this.clientId}-${++this.#seq}`, at: this.clock.now() };
    const { result } = await this.node.propose(
      entry,
      this.#timeoutMs === undefined ? {} : { timeoutMs: this.#timeoutMs },
    );
    return result as RegistryResult;
  }

  /** Proposes `command`; a refusal rejects with `RegistryError`. */
  async send(command: RegistryCommand): Promise<Record<string, unknown>> {
    const result = await this.propose(command);
    if (!result.ok) throw new RegistryError(result);
    return result;
  }

  addServer(id: string, url: string): Promise<unknown> {
    return this.send({ op: 'addServer', serverId: id, url });
  }

  removeServer(id: string): Promise<unknown> {
    return this.send({ op: 'removeServer', serverId: id });
  }

  /** `capacity`: bytes, or a size like `100gb` (size.ts). The shard starts read-only. */
  async addShard(id: string, serverIds: string[] | string, capacity: number | string): Promise<unknown> {
    const ids = typeof serverIds === 'string' ? serverIds.split(',').map((s) => s.trim()) : serverIds;
    if (!Array.isArray(ids)) throw new InvalidArgumentError('serverIds', 'a list of server ids or "1,4"');
    return this.send({ op: 'addShard', shardId: id, serverIds: ids, capacity: parseSize(capacity) });
  }

  enableShard(id: string): Promise<unknown> {
    return this.send({ op: 'enableShard', shardId: id });
  }

  disableShard(id: string): Promise<unknown> {
    return this.send({ op: 'disableShard', shardId: id });
  }
}
