import { BlobStoreError } from './errors.js';
import type { ServerRecord } from './registry-state.js';

/**
 * How a write treats a file of the same name on the server. `create` (uploads) refuses it with
 * `EXISTS` unless it holds the same bytes: an upload that is not recorded in the end (another one of
 * that name was) must not overwrite the recorded file. `replace` (replication) overwrites it: the
 * registry says which bytes the name stands for, and a retried copy writes them again.
 */
export type PutMode = 'create' | 'replace';

/**
 * How coordinators and replicators reach storage servers. `put` stores a file or rejects with a
 * `BlobStoreError` (`FULL`, `READ_ONLY`, `UNAVAILABLE`, `EXISTS`); `get` resolves with the bytes, null
 * when the server has no such file, or rejects when the server cannot be asked.
 */
export interface BlobStore {
  put(server: ServerRecord, name: string, bytes: Uint8Array, mode: PutMode): Promise<void>;
  get(server: ServerRecord, name: string): Promise<Uint8Array | null>;
}

/**
 * Storage servers in memory, by URL, for tests and in-page demos. `setDown(url, true)` makes a server
 * unreachable (its files are kept, as a restarted server keeps its disk); `limit` bounds its bytes.
 * `delay` runs before each call (a test's virtual clock). Bytes are copied in and out.
 */
export class MemoryBlobStore implements BlobStore {
  readonly #files = new Map<string, Map<string, Uint8Array>>();
  readonly #down = new Set<string>();
  readonly #limits = new Map<string, number>();
  /** Calls made, for tests: puts per server URL. */
  readonly puts = new Map<string, number>();

  constructor(private readonly delay: () => Promise<void> = () => Promise.resolve()) {}

  setDown(url: string, down: boolean): void {
    if (down) this.#down.add(url);
    else this.#down.delete(url);
  }

  limit(url: string, bytes: number): void {
    this.#limits.set(url, bytes);
  }

  /** The files a server holds (name -> bytes), whether it is up or not. */
  filesOf(url: string): ReadonlyMap<string, Uint8Array> {
    return this.#files.get(url) ?? new Map();
  }

  async put(server: ServerRecord, name: string, bytes: Uint8Array, mode: PutMode): Promise<void> {
    await this.delay();
    if (this.#down.has(server.url)) throw new BlobStoreError('UNAVAILABLE', server.url, 'server is down');
    const files = this.#files.get(server.url) ?? new Map<string, Uint8Array>();
    const existing = files.get(name);
    if (mode === 'create' && existing !== undefined && !sameBytes(existing, bytes))
      throw new BlobStoreError('EXISTS', server.url, `another file named ${name} is there`);
    let used = 0;
    for (const [n, b] of files) if (n !== name) used += b.length;
    if (used + bytes.length > (this.#limits.get(server.url) ?? Number.POSITIVE_INFINITY))
      throw new BlobStoreError('FULL', server.url, 'no room for the file');
    files.set(name, bytes.slice());
    this.#files.set(server.url, files);
    this.puts.set(server.url, (this.puts.get(server.url) ?? 0) + 1);
  }

  async get(server: ServerRecord, name: string): Promise<Uint8Array | null> {
    await this.delay();
    if (this.#down.has(server.url)) throw new BlobStoreError('UNAVAILABLE', server.url, 'server is down');
    return this.#files.get(server.url)?.get(name)?.slice() ?? null;
  }
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
