import { type BlobStore, BlobStoreError, type PutMode, type ServerRecord } from '@webraft/shards';

export interface HttpBlobStoreOptions {
  /** How long one request may take (ms). Default 30 s. */
  timeoutMs?: number;
}

/**
 * Storage servers over HTTP (`storage-server.ts`, or any server with its answers): `PUT <url>/<name>`
 * with `If-None-Match: *` for a create-only write, `GET <url>/<name>`. Statuses map to the
 * `BlobStoreError` codes the coordinator moves on by: 412 `EXISTS`, 507 `FULL`, 403 `READ_ONLY`,
 * no answer `UNAVAILABLE`, anything else `BAD_RESPONSE`.
 */
export class HttpBlobStore implements BlobStore {
  readonly #timeoutMs: number;

  constructor(options: HttpBlobStoreOptions = {}) {
    this.#timeoutMs = options.timeoutMs ?? 30_000;
  }

  #url(server: ServerRecord, name: string): string {
    return `${server.url.replace(/\/+$/, '')}/${encodeURIComponent(name)}`;
  }

  async #fetch(server: ServerRecord, name: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(this.#url(server, name), { ...init, signal: AbortSignal.timeout(this.#timeoutMs) });
    } catch (error) {
      throw new BlobStoreError(
        'UNAVAILABLE',
        server.url,
        error instanceof Error ? error.message : String(error),
      );
    }
  }

  async put(server: ServerRecord, name: string, bytes: Uint8Array, mode: PutMode): Promise<void> {
    const res = await this.#fetch(server, name, {
      method: 'PUT',
      body: bytes,
      headers: {
        'content-type': 'application/octet-stream',
        ...(mode === 'create' ? { 'if-none-match': '*' } : {}),
      },
    });
    await res.arrayBuffer().catch(() => undefined);
    if (res.ok) return;
    const code =
      res.status === 412
        ? 'EXISTS'
        : res.status === 507
          ? 'FULL'
          : res.status === 403
            ? 'READ_ONLY'
            : 'BAD_RESPONSE';
    throw new BlobStoreError(code, server.url, `PUT ${name}: HTTP ${res.status}`);
  }

  async get(server: ServerRecord, name: string): Promise<Uint8Array | null> {
    const res = await this.#fetch(server, name, { method: 'GET' });
    if (res.status === 404) {
      await res.arrayBuffer().catch(() => undefined);
      return null;
    }
    if (!res.ok) throw new BlobStoreError('BAD_RESPONSE', server.url, `GET ${name}: HTTP ${res.status}`);
    try {
      return new Uint8Array(await res.arrayBuffer());
    } catch (error) {
      throw new BlobStoreError(
        'UNAVAILABLE',
        server.url,
        error instanceof Error ? error.message : String(error),
      );
    }
  }
}
