import { type FileHandle, mkdir, open, readdir, rename, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ConfigurationError,
  type PersistBatch,
  type PersistedState,
  planPersist,
  type RaftStorage,
  StorageError,
  type StoredImage,
  type StoredLog,
} from '@webraft/core';
import { lockDirectory } from './directory-lock.js';
import { toStorageError } from './fs-errors.js';
import { readLog, writeAll, writeBaseFile } from './log-file.js';
import { encodePayload } from './records.js';
import { encodeRecord } from './wal-format.js';

export interface FileStorageOptions {
  /**
   * fsync every batch before `persist` resolves (default true). With false a crash of the process
   * loses nothing, but a crash of the machine may lose acknowledged writes: for tests and benchmarks.
   */
  sync?: boolean;
  /**
   * Rewrite the log file once it holds this many bytes beyond its base record (default 8 MiB): the
   * file then holds only the live state again (README.md, Layout).
   */
  rewriteAfterBytes?: number;
}

const LOG_FILE = /^log-(\d{10})\.wal$/;
const fileName = (generation: number) => `log-${String(generation).padStart(10, '0')}.wal`;

/** The open log of a loaded handle. */
interface OpenLog {
  handle: FileHandle;
  generation: number;
  stored: StoredLog;
  bytes: number;
  baseBytes: number;
  release: () => Promise<void>;
}

/**
 * Durable storage of one node in a directory of its own (README.md beside this file): a write-ahead
 * log of checksummed records, each batch one record appended and fsynced before `persist` resolves,
 * rewritten to the live state through a new file and an atomic rename once it has grown.
 */
export class FileStorage implements RaftStorage {
  readonly dir: string;
  readonly #sync: boolean;
  readonly #rewriteAfterBytes: number;
  #log: OpenLog | null = null;
  #closed = false;
  /** A failed append whose bytes could not be cut off: the handle needs `load()` again. */
  #broken: StorageError | null = null;
  /** Why the last rewrite failed (the batches stay in the longer file; it is retried later). */
  lastRewriteError: StorageError | null = null;

  constructor(dir: string, options: FileStorageOptions = {}) {
    if (typeof dir !== 'string' || dir.length === 0)
      throw new ConfigurationError('FileStorage needs a directory path');
    const { sync = true, rewriteAfterBytes = 8 * 1024 * 1024 } = options;
    if (typeof sync !== 'boolean') throw new ConfigurationError('sync must be a boolean');
    if (!Number.isSafeInteger(rewriteAfterBytes) || rewriteAfterBytes < 1)
      throw new ConfigurationError('rewriteAfterBytes must be a positive integer');
    this.dir = dir;
    this.#sync = sync;
    this.#rewriteAfterBytes = rewriteAfterBytes;
  }

  /** Opens the directory (created if missing), takes its lock and reads the state back. */
  async load(): Promise<PersistedState> {
    await this.#release();
    this.#closed = false;
    return this.#open();
  }

  async persist(batch: PersistBatch): Promise<void> {
    if (this.#closed) throw new StorageError(`the storage in ${this.dir} is closed`, 'CLOSED');
    if (this.#broken) throw this.#broken;
    if (this.#log === null) await this.#open();
    const log = this.#log as OpenLog;
    const plan = planPersist(log.stored, batch);
    const record = encodeRecord(encodeBatch(batch));
    await this.#append(log, record);
    log.stored.apply(plan);
    if (log.bytes - log.baseBytes >= this.#rewriteAfterBytes) await this.#rewrite(log);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#release();
  }

  /** Removes a node's files (and the directory, when nothing else is in it). Not while it is open. */
  static async destroy(dir: string): Promise<void> {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names)
      if (LOG_FILE.test(name) || name.endsWith('.wal.tmp')) await rm(join(dir, name), { force: true });
    await rm(join(dir, 'LOCK'), { force: true });
    await rmdir(dir).catch(() => undefined);
  }

  async #open(): Promise<PersistedState> {
    try {
      await mkdir(this.dir, { recursive: true });
    } catch (error) {
      throw toStorageError(error, `creating ${this.dir}`);
    }
    const release = await lockDirectory(this.dir);
    try {
      const generation = await this.#liveGeneration();
      const path = join(this.dir, fileName(generation));
      const read = await readLog(path, fileName(generation)).catch((error: unknown) => {
        throw toStorageError(error, `reading ${path}`);
      });
      const handle = await open(path, 'r+');
      if (read.tornTail) {
        // The last append never finished, so it was never acknowledged: cut it off (README.md, Crashes).
        await handle.truncate(read.bytes);
        await handle.sync();
      }
      this.#log = {
        handle,
        generation,
        stored: read.stored,
        bytes: read.bytes,
        baseBytes: read.baseBytes,
        release,
      };
      this.#broken = null;
      return read.image;
    } catch (error) {
      await release();
      throw toStorageError(error, `opening ${this.dir}`);
    }
  }

  /**
   * The generation whose file is live: the highest. Older ones (a rewrite stopped before it deleted
   * them) and `.tmp` files (a rewrite stopped before its rename) are removed. A new store gets file 1.
   */
  async #liveGeneration(): Promise<number> {
    const names = await readdir(this.dir);
    const generations = names
      .map((name) => LOG_FILE.exec(name)?.[1])
      .filter((g): g is string => g !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    for (const name of names) if (name.endsWith('.wal.tmp')) await rm(join(this.dir, name), { force: true });
    const live = generations.pop();
    for (const old of generations) await rm(join(this.dir, fileName(old)), { force: true });
    if (live !== undefined) return live;
    await createLogFile(this.dir, fileName(1), null);
    return 1;
  }

  /** Appends one record and makes it durable; on failure cuts the file back, so nothing was written. */
  async #append(log: OpenLog, record: Buffer): Promise<void> {
    try {
      await writeAll(log.handle, record, log.bytes);
      if (this.#sync) await log.handle.datasync();
    } catch (error) {
      const failure = toStorageError(error, `appending to ${this.dir}`);
      try {
        await log.handle.truncate(log.bytes);
      } catch {
        this.#broken = new StorageError(
          `${this.dir} holds a partial record that could not be cut off; load() again`,
          'IO',
          { cause: error },
        );
      }
      throw failure;
    }
    log.bytes += record.length;
  }

  /**
   * Writes the live state into the next generation's file and switches to it by rename, which is atomic:
   * a crash leaves either the old file or the new one, both whole. The batch that triggered it is
   * already durable, so a failure here only postpones the rewrite.
   */
  async #rewrite(log: OpenLog): Promise<void> {
    const next = log.generation + 1;
    try {
      const { image } = await readLog(join(this.dir, fileName(log.generation)), fileName(log.generation));
      const bytes = await createLogFile(this.dir, fileName(next), image);
      const handle = await open(join(this.dir, fileName(next)), 'r+');
      await log.handle.close();
      await rm(join(this.dir, fileName(log.generation)), { force: true });
      Object.assign(log, { handle, generation: next, bytes, baseBytes: bytes });
      this.lastRewriteError = null;
    } catch (error) {
      this.lastRewriteError = toStorageError(error, `rewriting ${this.dir}`);
      // Try again once as many bytes again have been appended.
      log.baseBytes = log.bytes;
    }
  }

  async #release(): Promise<void> {
    const log = this.#log;
    if (log === null) return;
    this.#log = null;
    await log.handle.close().catch(() => undefined);
    await log.release();
  }
}

/** The record of a batch: its four parts, and nothing else the caller's object may carry. */
function encodeBatch(batch: PersistBatch): Buffer {
  try {
    return encodePayload({ kind: 'batch', batch: ownParts(batch) });
  } catch (cause) {
    // A value the structured clone algorithm cannot copy (a function, a symbol): nothing was written.
    throw new StorageError(`batch is not cloneable: ${String(cause)}`, 'INVALID_BATCH', { cause });
  }
}

function ownParts(batch: PersistBatch): PersistBatch {
  const { snapshot, entries, compaction, hardState } = batch;
  const parts: PersistBatch = {};
  if (snapshot !== undefined) parts.snapshot = snapshot;
  if (entries !== undefined) parts.entries = entries;
  if (compaction !== undefined) parts.compaction = compaction;
  if (hardState !== undefined) parts.hardState = hardState;
  return parts;
}

/**
 * Creates a log file whole: written and fsynced under a temporary name, then renamed, which is atomic,
 * and the directory fsynced so the name is durable. A crash leaves the file whole or only a `.tmp`
 * (removed at the next load). Returns its size.
 */
async function createLogFile(dir: string, name: string, image: StoredImage | null): Promise<number> {
  const tmp = join(dir, `${name}.tmp`);
  try {
    const bytes = await writeBaseFile(tmp, image);
    await rename(tmp, join(dir, name));
    await syncDirectory(dir);
    return bytes;
  } catch (error) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw error;
  }
}

/** fsync of the directory makes a created or renamed file's name durable (POSIX). */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
