import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigurationError, StorageError } from '@webraft/core';
import { describe, expect, it } from 'vitest';
import { FileStorage } from '../src/index.js';
import { CONFIG, hard, loadOnce, range, tempRoot } from './helpers.js';

const newDir = tempRoot('values');

describe('values: the structured clone algorithm, as IndexedDB stores them', () => {
  it('a snapshot holding a Map, a Set, a Date and bytes loads back as such', async () => {
    const dir = newDir();
    const data = {
      rows: new Map([['a', 1]]),
      tags: new Set(['x']),
      at: new Date(0),
      bytes: new Uint8Array([1, 2, 3]),
    };
    const storage = new FileStorage(dir);
    await storage.persist({
      snapshot: { meta: { index: 3, term: 1, config: CONFIG }, data },
      hardState: hard(1, null, 3),
    });
    await storage.close();
    expect((await loadOnce(dir)).snapshot?.data).toEqual(data);
  });
});

describe('bad input: a typed error, nothing written, the storage goes on', () => {
  it('a batch that cannot be cloned (a function in an entry) is INVALID_BATCH', async () => {
    const dir = newDir();
    const storage = new FileStorage(dir);
    await storage.persist({ entries: range(1, 2, 1), hardState: hard(1, 'n1', 1) });
    const error = await storage
      .persist({ entries: [{ index: 3, term: 1, kind: 'command', data: { f: () => 1 } }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).code).toBe('INVALID_BATCH');
    await storage.persist({ entries: range(3, 3, 1) });
    await storage.close();
    expect((await loadOnce(dir)).entries).toEqual(range(1, 3, 1));
  });

  it('an impossible batch (a gap) is INVALID_BATCH and appends nothing', async () => {
    const dir = newDir();
    const storage = new FileStorage(dir);
    await storage.persist({ entries: range(1, 2, 1) });
    await expect(storage.persist({ entries: range(5, 6, 1) })).rejects.toMatchObject({
      code: 'INVALID_BATCH',
    });
    await storage.close();
    expect((await loadOnce(dir)).entries).toEqual(range(1, 2, 1));
  });

  it('persist on a closed handle is CLOSED; load() opens it again', async () => {
    const dir = newDir();
    const storage = new FileStorage(dir);
    await storage.persist({ hardState: hard(1, null, 0) });
    await storage.close();
    await expect(storage.persist({ hardState: hard(2, null, 0) })).rejects.toMatchObject({ code: 'CLOSED' });
    expect((await storage.load()).hardState).toEqual(hard(1, null, 0));
    await storage.close();
  });

  it('a directory that cannot be created is an IO StorageError naming it', async () => {
    // A directory inside a regular file: ENOTDIR.
    const file = join(newDir(), 'a-file');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, 'not a directory');
    const storage = new FileStorage(join(file, 'node'));
    const error = await storage.load().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).code).toBe('IO');
    expect((error as Error).message).toContain(join(file, 'node'));
  });

  it('bad options throw ConfigurationError', () => {
    expect(() => new FileStorage('')).toThrow(ConfigurationError);
    expect(() => new FileStorage('x', { rewriteAfterBytes: 0 })).toThrow(ConfigurationError);
    expect(() => new FileStorage('x', { sync: 'yes' as never })).toThrow(ConfigurationError);
  });
});
