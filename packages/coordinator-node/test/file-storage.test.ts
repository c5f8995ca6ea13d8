import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyExistsError } from '@webraft/coordinator';
import { ConfigurationError } from '@webraft/core';
import { afterEach, describe, expect, it } from 'vitest';
import { FileAllDataStorage } from '../src/index.js';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});
const directory = () => {
  const root = mkdtempSync(join(tmpdir(), 'alldata-files-'));
  roots.push(root);
  return join(root, 'data');
};

describe('FileAllDataStorage', () => {
  it('stores events durably: a new instance on the directory reads them back', async () => {
    const dir = directory();
    const storage = new FileAllDataStorage(dir);
    const long = 'k'.repeat(2000); // longer than any file name: files are named by the key's hash
    await storage.write('a', { n: 1 });
    await new Promise<void>((resolve, reject) =>
      storage.put(long, [1, 2], (e) => (e ? reject(e) : resolve())),
    );
    const reopened = new FileAllDataStorage(dir);
    expect(await reopened.get('a')).toEqual({ n: 1 });
    expect(await reopened.get(long)).toEqual([1, 2]);
    expect(await reopened.get('missing')).toBeUndefined();
    expect((await reopened.keys()).sort()).toEqual(['a', long]);
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('is write-once: the same event again is a retry, another event is refused with KeyExistsError', async () => {
    const storage = new FileAllDataStorage(directory());
    await storage.write('k', { v: 1 });
    await storage.write('k', { v: 1 });
    await expect(storage.write('k', { v: 2 })).rejects.toBeInstanceOf(KeyExistsError);
    expect(await storage.get('k')).toEqual({ v: 1 });
  });

  it('refuses what JSON cannot encode before writing, and a bad directory at construction', async () => {
    const dir = directory();
    const storage = new FileAllDataStorage(dir);
    await expect(storage.write('k', 10n)).rejects.toBeInstanceOf(TypeError);
    expect(await storage.keys()).toEqual([]);
    expect(() => new FileAllDataStorage('')).toThrow(ConfigurationError);
  });
});
