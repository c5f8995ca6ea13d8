import {
  appendFileSync,
  readdirSync,
  readFileSync,
  statSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { StorageCorruptError } from '@webraft/core';
import { describe, expect, it } from 'vitest';
import { FileStorage, MAGIC } from '../src/index.js';
import { hard, loadOnce, range, tempRoot } from './helpers.js';

const newDir = tempRoot('torn');
const logFile = (dir: string) => {
  const name = readdirSync(dir).find((n) => n.endsWith('.wal'));
  if (!name) throw new Error(`no log file in ${dir}`);
  return join(dir, name);
};

/** Three acknowledged batches, the handle closed: what a crash after the third ack leaves. */
async function threeBatches(dir: string): Promise<{ file: string; sizes: number[] }> {
  const storage = new FileStorage(dir);
  const sizes: number[] = [];
  await storage.persist({ entries: range(1, 2, 1), hardState: hard(1, 'n1', 0) });
  sizes.push(statSync(logFile(dir)).size);
  await storage.persist({ entries: range(3, 4, 1), hardState: hard(1, 'n1', 2) });
  sizes.push(statSync(logFile(dir)).size);
  await storage.persist({ entries: range(5, 6, 1), hardState: hard(1, 'n1', 4) });
  sizes.push(statSync(logFile(dir)).size);
  await storage.close();
  return { file: logFile(dir), sizes };
}

const afterTwo = { hardState: hard(1, 'n1', 2), snapshot: null, entries: range(1, 4, 1) };
const afterThree = { hardState: hard(1, 'n1', 4), snapshot: null, entries: range(1, 6, 1) };

describe('a crash during an append: the unacknowledged tail is cut off, nothing acknowledged is lost', () => {
  it('the last record cut short anywhere (in its header or its payload)', async () => {
    const dir = newDir();
    const { file, sizes } = await threeBatches(dir);
    const [, second = 0, third = 0] = sizes;
    for (const cut of [second + 1, second + 7, second + 9, third - 1]) {
      const bytes = readFileSync(file);
      truncateSync(file, cut);
      const storage = new FileStorage(dir);
      expect(await storage.load(), `cut at ${cut}`).toEqual(afterTwo);
      await storage.close();
      expect(statSync(file).size, 'the torn bytes are gone').toBe(second);
      writeFileSync(file, bytes);
    }
  });

  it('zeros where the file grew but the data never reached the disk', async () => {
    const dir = newDir();
    const { file } = await threeBatches(dir);
    appendFileSync(file, Buffer.alloc(4096));
    const storage = new FileStorage(dir);
    expect(await storage.load()).toEqual(afterThree);
    // The next batch goes where the zeros were and loads back.
    await storage.persist({ entries: range(7, 7, 1) });
    await storage.close();
    expect((await loadOnce(dir)).entries).toEqual(range(1, 7, 1));
  });

  it('a crash while a new store was created leaves only a .tmp file: it loads as empty', async () => {
    const dir = newDir();
    const storage = new FileStorage(dir);
    await storage.load();
    await storage.close();
    const file = logFile(dir);
    writeFileSync(`${file}.tmp`, readFileSync(file).subarray(0, 3));
    unlinkSync(file);
    const again = new FileStorage(dir);
    expect(await again.load()).toEqual({ hardState: hard(0, null, 0), snapshot: null, entries: [] });
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    await again.persist({ hardState: hard(3, 'n2', 0) });
    await again.close();
    expect((await loadOnce(dir)).hardState).toEqual(hard(3, 'n2', 0));
  });
});

describe('damage a crash cannot explain is a StorageCorruptError, and the file is left as it is', () => {
  it('a flipped byte in a record that has records after it', async () => {
    const dir = newDir();
    const { file, sizes } = await threeBatches(dir);
    const bytes = readFileSync(file);
    const at = (sizes[0] ?? 0) + 20; // inside the second record's payload
    bytes[at] = (bytes[at] ?? 0) ^ 0xff;
    writeFileSync(file, bytes);
    const error = await new FileStorage(dir).load().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageCorruptError);
    expect((error as StorageCorruptError).message).toMatch(/checksum/);
    expect(readFileSync(file)).toEqual(bytes);
  });

  it('a file that is not a webraft log', async () => {
    const dir = newDir();
    const { file } = await threeBatches(dir);
    const bytes = readFileSync(file);
    bytes.write('NOTAWAL!', 0, 'latin1');
    writeFileSync(file, bytes);
    await expect(new FileStorage(dir).load()).rejects.toBeInstanceOf(StorageCorruptError);
    expect(MAGIC.toString('latin1')).toBe('WRFTWAL1');
  });

  it('a well-formed record that is not a batch the log can take', async () => {
    const dir = newDir();
    const { file } = await threeBatches(dir);
    // A record of ours, checksummed, whose batch leaves a gap in the log: someone else wrote it.
    const { serialize } = await import('node:v8');
    const { crc32 } = await import('node:zlib');
    const payload = serialize({ kind: 'batch', batch: { entries: range(9, 9, 1) } });
    const header = Buffer.alloc(8);
    header.writeUInt32BE(payload.length, 0);
    header.writeUInt32BE(crc32(payload), 4);
    appendFileSync(file, Buffer.concat([header, payload]));
    const error = await new FileStorage(dir).load().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageCorruptError);
    expect((error as Error).message).toMatch(/record 3 .*gap/);
  });
});
