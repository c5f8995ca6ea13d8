import { checkEntry, MAX_REASON_CHARS, type RegistryEntry } from './commands.js';
import { type RegistryRefusal, refusal } from './errors.js';

export interface ServerRecord {
  id: string;
  url: string;
}

export interface ShardRecord {
  id: string;
  /** In order: uploads and reads try the first one first. */
  serverIds: string[];
  capacity: number;
  used: number;
  /** Shards are added read-only, as in the seed, and take uploads once enabled. */
  readOnly: boolean;
}

export interface FileRecord {
  /** The registry's number for the file, part of its task ids. */
  seq: number;
  shardId: string;
  name: string;
  size: number;
  /** SHA-256 of the uploaded bytes, hex (digest.ts): what a server's copy is checked against. */
  digest: string;
  /** Servers known to hold the file: the one the upload went to, then each completed replication. */
  holders: string[];
}

/** One copy to make: the file to `target`. */
export interface TaskRecord {
  /** `<file seq>@<target server id>`. */
  id: string;
  file: number;
  shardId: string;
  name: string;
  target: string;
  /** Held by `holder` until `leaseUntil` (log time), or free to claim from `notBefore`. */
  holder: string | null;
  leaseUntil: number;
  notBefore: number;
  attempts: number;
  lastError: string | null;
}

export interface ShardCounterValues {
  uploadsOk: number;
  uploadsFailed: number;
  replicationsDone: number;
  replicationsFailed: number;
}

export type RegistryResult = RegistryRefusal | ({ ok: true } & Record<string, unknown>);

/** The plain JSON the state is snapshotted as. */
export interface RegistrySnapshot {
  time: number;
  fileSeq: number;
  servers: ServerRecord[];
  shards: ShardRecord[];
  files: FileRecord[];
  tasks: TaskRecord[];
  counters: [string, ShardCounterValues][];
  uploadsRejected: number;
}

/** The backoff before a failed task may be claimed again: 1 s, doubling, at most a minute. */
export function retryDelayMs(attempts: number): number {
  return Math.min(1000 * 2 ** Math.max(0, attempts - 1), 60_000);
}

const fileKey = (shardId: string, name: string) => `${shardId}:${name}`;

/**
 * The registry: servers, shards, files and the replication queue, changed only by `apply` of a log
 * entry, so every member holds the same state at the same index. Each entry is checked in full before
 * anything changes: a refused one changes nothing (a refusal is a result, not a throw, so the node
 * goes on and the proposer learns why).
 *
 * Time in the log: `time` is the largest proposer time (`at`) applied so far. It only moves forward
 * and is the same on every member at the same index, so a lease (valid until `leaseUntil`) expires at
 * the same entry everywhere, whatever the members' own clocks say.
 */
export class RegistryState {
  time = 0;
  private fileSeq = 0;
  uploadsRejected = 0;
  private readonly serverMap = new Map<string, ServerRecord>();
  private readonly shardMap = new Map<string, ShardRecord>();
  private readonly fileMap = new Map<string, FileRecord>();
  private readonly fileBySeq = new Map<number, FileRecord>();
  private readonly taskMap = new Map<string, TaskRecord>();
  private readonly counterMap = new Map<string, ShardCounterValues>();

  // ------------------------------------------------------------ reading

  get servers(): ServerRecord[] {
    return [...this.serverMap.values()];
  }
  get shards(): ShardRecord[] {
    return [...this.shardMap.values()];
  }
  get tasks(): TaskRecord[] {
    return [...this.taskMap.values()];
  }
  get files(): FileRecord[] {
    return [...this.fileMap.values()];
  }
  server(id: string): ServerRecord | undefined {
    return this.serverMap.get(id);
  }
  shard(id: string): ShardRecord | undefined {
    return this.shardMap.get(id);
  }
  file(shardId: string, name: string): FileRecord | undefined {
    return this.fileMap.get(fileKey(shardId, name));
  }
  fileOf(task: TaskRecord): FileRecord | undefined {
    return this.fileBySeq.get(task.file);
  }
  task(id: string): TaskRecord | undefined {
    return this.taskMap.get(id);
  }
  counters(shardId: string): ShardCounterValues {
    return (
      this.counterMap.get(shardId) ?? {
        uploadsOk: 0,
        uploadsFailed: 0,
        replicationsDone: 0,
        replicationsFailed: 0,
      }
    );
  }
  /** Tasks of a shard not yet completed. */
  pending(shardId: string): number {
    let n = 0;
    for (const task of this.taskMap.values()) if (task.shardId === shardId) n++;
    return n;
  }

  // ------------------------------------------------------------ applying

  /** Applies one log entry; a refusal changes nothing. */
  apply(raw: unknown): RegistryResult {
    const entry = checkEntry(raw);
    if ('ok' in entry) return entry;
    // Time advances with every well-formed entry, refused or not: it is what the proposer's clock said.
    this.time = Math.max(this.time, entry.at);
    return this.applyChecked(entry);
  }

  private applyChecked(e: RegistryEntry): RegistryResult {
    switch (e.op) {
      case 'addServer':
        if (this.serverMap.has(e.serverId))
          return refusal('DUPLICATE_SERVER', `server ${e.serverId} is registered already`);
        this.serverMap.set(e.serverId, { id: e.serverId, url: e.url });
        return { ok: true };
      case 'removeServer': {
        if (!this.serverMap.has(e.serverId)) return refusal('UNKNOWN_SERVER', `no server ${e.serverId}`);
        const shard = this.shardOfServer(e.serverId);
        if (shard) return refusal('SERVER_IN_USE', `server ${e.serverId} belongs to shard ${shard.id}`);
        this.serverMap.delete(e.serverId);
        return { ok: true };
      }
      case 'addShard': {
        if (this.shardMap.has(e.shardId))
          return refusal('DUPLICATE_SHARD', `shard ${e.shardId} exists already`);
        for (const id of e.serverIds) {
          if (!this.serverMap.has(id)) return refusal('UNKNOWN_SERVER', `no server ${id}`);
          const other = this.shardOfServer(id);
          if (other) return refusal('SERVER_IN_SHARD', `server ${id} belongs to shard ${other.id} already`);
        }
        this.shardMap.set(e.shardId, {
          id: e.shardId,
          serverIds: [...e.serverIds],
          capacity: e.capacity,
          used: 0,
          readOnly: true,
        });
        return { ok: true };
      }
      case 'enableShard':
      case 'disableShard': {
        const shard = this.shardMap.get(e.shardId);
        if (!shard) return refusal('UNKNOWN_SHARD', `no shard ${e.shardId}`);
        shard.readOnly = e.op === 'disableShard';
        return { ok: true };
      }
      case 'recordUpload':
        return this.recordUpload(e);
      case 'uploadFailed': {
        const unknown = e.shardIds.find((id) => !this.shardMap.has(id));
        if (unknown !== undefined) return refusal('UNKNOWN_SHARD', `no shard ${unknown}`);
        for (const id of e.shardIds) this.count(id).uploadsFailed++;
        this.uploadsRejected++;
        return { ok: true };
      }
      case 'claim':
        return this.claim(e);
      case 'complete':
      case 'fail':
        return this.finish(e);
    }
  }

  private recordUpload(e: Extract<RegistryEntry, { op: 'recordUpload' }>): RegistryResult {
    const shard = this.shardMap.get(e.shardId);
    if (!shard) return refusal('UNKNOWN_SHARD', `no shard ${e.shardId}`);
    if (shard.readOnly) return refusal('READ_ONLY', `shard ${shard.id} is read-only`);
    if (!shard.serverIds.includes(e.server))
      return refusal('NOT_IN_SHARD', `server ${e.server} is not in shard ${shard.id}`);
    if (this.fileMap.has(fileKey(shard.id, e.name)))
      return refusal('FILE_EXISTS', `${shard.id}:${e.name} exists`);
    if (shard.used + e.size > shard.capacity)
      return refusal(
        'OVER_CAPACITY',
        `shard ${shard.id} has ${shard.capacity - shard.used} bytes free, not ${e.size}`,
      );
    const file: FileRecord = {
      seq: ++this.fileSeq,
      shardId: shard.id,
      name: e.name,
      size: e.size,
      digest: e.digest,
      holders: [e.server],
    };
    this.fileMap.set(fileKey(shard.id, e.name), file);
    this.fileBySeq.set(file.seq, file);
    shard.used += e.size;
    for (const target of shard.serverIds) {
      if (target === e.server) continue;
      const id = `${file.seq}@${target}`;
      this.taskMap.set(id, {
        id,
        file: file.seq,
        shardId: shard.id,
        name: e.name,
        target,
        holder: null,
        leaseUntil: 0,
        notBefore: 0,
        attempts: 0,
        lastError: null,
      });
    }
    this.count(shard.id).uploadsOk++;
    return { ok: true, shardId: shard.id, file: file.seq };
  }

  /** A task absent from the queue was completed (its target holds the file) or never existed. */
  private missingTask(id: string): RegistryRefusal {
    const [seq, target] = id.split('@');
    const file = this.fileBySeq.get(Number(seq));
    if (file && target !== undefined && file.holders.includes(target))
      return refusal('TASK_DONE', `task ${id} is completed`);
    return refusal('UNKNOWN_TASK', `no task ${id}`);
  }

  private claim(e: Extract<RegistryEntry, { op: 'claim' }>): RegistryResult {
    const task = this.taskMap.get(e.task);
    if (!task) return this.missingTask(e.task);
    if (task.holder !== null && task.holder !== e.replicator && task.leaseUntil > this.time)
      return refusal('LEASED', `task ${task.id} is leased to ${task.holder} until ${task.leaseUntil}`);
    if (task.holder === null && task.notBefore > this.time)
      return refusal('NOT_DUE', `task ${task.id} is retried from ${task.notBefore}`);
    task.holder = e.replicator;
    task.leaseUntil = this.time + e.leaseMs;
    return { ok: true, leaseUntil: task.leaseUntil };
  }

  private finish(e: Extract<RegistryEntry, { op: 'complete' | 'fail' }>): RegistryResult {
    const task = this.taskMap.get(e.task);
    if (!task) return this.missingTask(e.task);
    // Only the latest claimant finishes a task: one whose lease ran out and was claimed again by
    // another has its completion refused (the other completes it), so a task completes once.
    if (task.holder !== e.replicator)
      return refusal('NOT_LEASE_HOLDER', `task ${task.id} is not held by ${e.replicator}`);
    if (e.op === 'complete') {
      this.taskMap.delete(task.id);
      this.fileBySeq.get(task.file)?.holders.push(task.target);
      this.count(task.shardId).replicationsDone++;
      return { ok: true };
    }
    task.attempts++;
    task.holder = null;
    task.leaseUntil = 0;
    task.notBefore = this.time + retryDelayMs(task.attempts);
    task.lastError = e.reason.slice(0, MAX_REASON_CHARS);
    this.count(task.shardId).replicationsFailed++;
    return { ok: true, notBefore: task.notBefore };
  }

  private shardOfServer(serverId: string): ShardRecord | undefined {
    for (const shard of this.shardMap.values()) if (shard.serverIds.includes(serverId)) return shard;
    return undefined;
  }

  private count(shardId: string): ShardCounterValues {
    let c = this.counterMap.get(shardId);
    if (!c) {
      c = { uploadsOk: 0, uploadsFailed: 0, replicationsDone: 0, replicationsFailed: 0 };
      this.counterMap.set(shardId, c);
    }
    return c;
  }

  // ------------------------------------------------------------ snapshots

  snapshot(): RegistrySnapshot {
    return structuredCopy({
      time: this.time,
      fileSeq: this.fileSeq,
      servers: this.servers,
      shards: this.shards,
      files: this.files,
      tasks: this.tasks,
      counters: [...this.counterMap],
      uploadsRejected: this.uploadsRejected,
    });
  }

  static restore(snapshot: RegistrySnapshot): RegistryState {
    const s = structuredCopy(snapshot);
    const state = new RegistryState();
    state.time = s.time;
    state.fileSeq = s.fileSeq;
    state.uploadsRejected = s.uploadsRejected;
    for (const server of s.servers) state.serverMap.set(server.id, server);
    for (const shard of s.shards) state.shardMap.set(shard.id, shard);
    for (const file of s.files) {
      state.fileMap.set(fileKey(file.shardId, file.name), file);
      state.fileBySeq.set(file.seq, file);
    }
    for (const task of s.tasks) state.taskMap.set(task.id, task);
    for (const [id, c] of s.counters) state.counterMap.set(id, c);
    return state;
  }
}

/** A deep copy through JSON: snapshots are plain JSON, and later changes must not reach them. */
function structuredCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
