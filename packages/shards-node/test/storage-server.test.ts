import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobStoreError } from '@webraft/shards';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HttpBlobStore } from '../src/http-blob-store.js';
import { type StorageServer, startStorageServer } from '../src/storage-server.js';

let dir: string;
let server: StorageServer;
const blobs = new HttpBlobStore({ timeoutMs: 5_000 });
const record = () => ({ id: 's1', url: server.url });
const bytes = (...xs: number[]) => new Uint8Array(xs);

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'webraft-storage-'));
  server = await startStorageServer({ dir, limitBytes: 10 });
});
afterEach(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the HTTP storage server through HttpBlobStore', () => {
  it('stores and answers files; a missing one is null', async () => {
    await blobs.put(record(), 'a b/ü.txt'.replace('/', '_'), bytes(1, 2, 3), 'create');
    expect(await blobs.get(record(), 'a b_ü.txt')).toEqual(bytes(1, 2, 3));
    expect(await blobs.get(record(), 'other')).toBeNull();
  });

  it('a create-only write keeps another file of that name (EXISTS), takes the same bytes again', async () => {
    await blobs.put(record(), 'x', bytes(1), 'create');
    await expect(blobs.put(record(), 'x', bytes(2), 'create')).rejects.toMatchObject({ code: 'EXISTS' });
    await blobs.put(record(), 'x', bytes(1), 'create');
    expect(await blobs.get(record(), 'x')).toEqual(bytes(1));
    // A replication replaces it.
    await blobs.put(record(), 'x', bytes(2), 'replace');
    expect(await blobs.get(record(), 'x')).toEqual(bytes(2));
  });

  it('refuses a put past its limit (FULL) and counts what it kept across a restart', async () => {
    await blobs.put(record(), 'a', new Uint8Array(6), 'create');
    await expect(blobs.put(record(), 'b', new Uint8Array(6), 'create')).rejects.toMatchObject({
      code: 'FULL',
    });
    await server.close();
    server = await startStorageServer({ dir, limitBytes: 10 });
    expect(await blobs.get(record(), 'a')).toEqual(new Uint8Array(6));
    await expect(blobs.put(record(), 'b', new Uint8Array(6), 'create')).rejects.toMatchObject({
      code: 'FULL',
    });
    // Replacing a file counts its new size only.
    await blobs.put(record(), 'a', new Uint8Array(9), 'replace');
  });

  it('refuses bad names with 400 and keeps running; an unreachable server is UNAVAILABLE', async () => {
    const res = await fetch(`${server.url}/%ZZ`, { method: 'PUT', body: 'x' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'BAD_NAME' });
    const empty = await fetch(`${server.url}/`, { method: 'GET' });
    expect(empty.status).toBe(400);
    await blobs.put(record(), 'still-up', bytes(1), 'create');
    const gone = { id: 's9', url: 'http://127.0.0.1:1' };
    const error = await blobs.get(gone, 'x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BlobStoreError);
    expect(error).toMatchObject({ code: 'UNAVAILABLE' });
  });
});
