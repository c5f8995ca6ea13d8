import type { BlobStore } from './blob-store.js';
import { fileNameProblem } from './commands.js';
import { type Digest, sha256Hex } from './digest.js';
import {
  BlobStoreError,
  FileNotFoundError,
  InvalidArgumentError,
  NoShardAvailableError,
  RegistryError,
} from './errors.js';
import { placeUpload } from './placement.js';
import type { RegistryClient } from './registry-client.js';
import type { RegistryView } from './registry-machine.js';
import type { ShardRecord } from './registry-state.js';

/** Refusals that mean "this shard, not now": the upload moves on to the next shard. */
const NEXT_SHARD = new Set(['OVER_CAPACITY', 'READ_ONLY', 'FILE_EXISTS']);

export interface ShardCoordinatorOptions {
  /** The content digest recorded with uploads and checked on reads. Default SHA-256 via WebCrypto. */
  digest?: Digest;
}

/**
 * The seed's coordinator: uploads a file to one server of an enabled shard, records it in the
 * registry with its digest (which queues its replication to the shard's other servers), and reads
 * with fallback, taking only bytes that match the recorded digest.
 */
export class ShardCoordinator {
  readonly #digest: Digest;
  /**
   * Reads that found other bytes than the recorded ones on a server and went on to the next: the
   * bytes a losing upload of the same name left there until replication overwrites them.
   */
  readMismatches = 0;

  constructor(
    readonly client: RegistryClient,
    readonly registry: RegistryView,
    readonly blobs: BlobStore,
    options: ShardCoordinatorOptions = {},
  ) {
    this.#digest = options.digest ?? sha256Hex;
  }

  /**
   * Uploads `bytes` as `name`. Tries shards in the placement order (placement.ts); in a shard, writes
   * to the first server that accepts; then records the upload. Resolves with `{ shardId }` once the
   * record is committed: from then on the file is in the registry and queued for the other servers.
   * Rejects with `NoShardAvailableError` when no shard took it (counted as failed uploads).
   */
  async upload(name: string, bytes: Uint8Array): Promise<{ shardId: string }> {
    const problem = fileNameProblem(name);
    if (problem) throw new InvalidArgumentError('name', problem);
    if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError('bytes', 'a Uint8Array');
    const tried: string[] = [];
    const digest = await this.#digest(bytes);
    for (const shard of placeUpload(this.registry.state, bytes.length, name)) {
      const server = await this.#writeToShard(shard, name, bytes);
      if (server !== null) {
        const result = await this.client.propose({
          op: 'recordUpload',
          shardId: shard.id,
          name,
          size: bytes.length,
          server,
          digest,
        });
        if (result.ok) return { shardId: shard.id };
        if (!NEXT_SHARD.has(result.code)) throw new RegistryError(result);
      }
      tried.push(shard.id);
    }
    // Counting is best effort: the upload has failed either way.
    await this.client.propose({ op: 'uploadFailed', shardIds: tried }).catch(() => undefined);
    throw new NoShardAvailableError(bytes.length, tried);
  }

  /** The id of the first server of `shard` that stored the file, or null if none did. */
  async #writeToShard(shard: ShardRecord, name: string, bytes: Uint8Array): Promise<string | null> {
    for (const id of shard.serverIds) {
      const server = this.registry.state.server(id);
      if (!server) continue;
      try {
        await this.blobs.put(server, name, bytes, 'create');
        return id;
      } catch (error) {
        if (!(error instanceof BlobStoreError)) throw error;
      }
    }
    return null;
  }

  /**
   * Reads `name` from shard `shardId`: its servers in order, the next one on a miss, an error, or
   * bytes that do not match the recorded digest (the seed's nginx recipe, plus the check). A file
   * this member has not heard of yet is looked up again after a read barrier. Rejects with
   * `FileNotFoundError` when the registry has no such file or no server answered with its bytes.
   */
  async read(shardId: string, name: string): Promise<Uint8Array> {
    let shard = this.registry.state.shard(shardId);
    let file = this.registry.state.file(shardId, name);
    if (!file && this.client.node.read) {
      await this.client.node.read();
      shard = this.registry.state.shard(shardId);
      file = this.registry.state.file(shardId, name);
    }
    if (!shard) throw new RegistryError({ ok: false, code: 'UNKNOWN_SHARD', message: `no shard ${shardId}` });
    if (!file) throw new FileNotFoundError(shardId, name);
    for (const id of shard.serverIds) {
      const server = this.registry.state.server(id);
      if (!server) continue;
      let bytes: Uint8Array | null;
      try {
        bytes = await this.blobs.get(server, name);
      } catch (error) {
        if (!(error instanceof BlobStoreError)) throw error;
        continue;
      }
      if (bytes === null) continue;
      if ((await this.#digest(bytes)) === file.digest) return bytes;
      this.readMismatches++;
    }
    throw new FileNotFoundError(shardId, name);
  }
}
