import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type AllDataStorage, encodeEvent, KeyExistsError } from '@webraft/coordinator';
import { ConfigurationError, StorageError } from '@webraft/core';

/** What one event's file holds: the key too, since the file is named by the key's hash. */
interface EventFile {
  key: string;
  event: unknown;
}

/**
 * An AllData storage on disk, the Node counterpart of `IndexedDbAllDataStorage` (the seed uses
 * `alldata-storage-leveldb` on a directory): one file per event under `directory`, named by the
 * SHA-256 of its key (any key fits a file name). A put writes a temporary file, fsyncs it, renames it
 * into place (atomic: a crash leaves the old state or the new, never half a file) and fsyncs the
 * directory, then calls back: the event is durable. Events are write-once (`KeyExistsError`).
 */
export class FileAllDataStorage implements AllDataStorage {
  readonly directory: string;
  #ready: Promise<void> | null = null;

  constructor(directory: string) {
    if (typeof directory !== 'string' || directory === '')
      throw new ConfigurationError('FileAllDataStorage: directory must be a non-empty path');
    this.directory = directory;
  }

  #fileOf(key: string): string {
    return join(this.directory, `${createHash('sha256').update(key).digest('hex')}.json`);
  }

  #mkdir(): Promise<void> {
    this.#ready ??= mkdir(this.directory, { recursive: true }).then(() => undefined);
    return this.#ready;
  }

  put(key: string, event: unknown, callback: (error?: unknown) => void): void {
    this.write(key, event).then(
      () => callback(),
      (error: unknown) => callback(error),
    );
  }

  /** The promise form of `put`. */
  async write(key: string, event: unknown): Promise<void> {
    const json = encodeEvent({ key, event } satisfies EventFile);
    await this.#mkdir();
    const file = this.#fileOf(key);
    const existing = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw new StorageError(`could not read ${file}`, 'IO', { cause: error });
    });
    if (existing !== undefined) {
      if (existing === json) return; // a retry of the same put
      throw new KeyExistsError(key);
    }
    const temporary = `${file}.${randomUUID()}.tmp`;
    try {
      const handle = await open(temporary, 'wx');
      try {
        await handle.writeFile(json, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, file);
      const dir = await open(this.directory, 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
    } catch (error) {
      await rm(temporary, { force: true });
      const code = (error as NodeJS.ErrnoException).code;
      throw new StorageError(`could not store ${file}`, code === 'ENOSPC' ? 'QUOTA' : 'IO', { cause: error });
    }
  }

  /** The event stored under `key`, or undefined. */
  async get(key: string): Promise<unknown> {
    const text = await readFile(this.#fileOf(key), 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    return text === undefined ? undefined : (JSON.parse(text) as EventFile).event;
  }

  /** Every stored key (read from the files). */
  async keys(): Promise<string[]> {
    await this.#mkdir();
    const names = (await readdir(this.directory)).filter((name) => name.endsWith('.json'));
    const files = await Promise.all(names.map((name) => readFile(join(this.directory, name), 'utf8')));
    return files.map((text) => (JSON.parse(text) as EventFile).key);
  }
}
