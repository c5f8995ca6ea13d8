import { open, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { StorageError } from '@webraft/core';
import { toStorageError } from './fs-errors.js';

/** Directories a `FileStorage` of this process holds, so two handles of one process cannot share one. */
const heldHere = new Set<string>();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as { code?: unknown }).code === 'EPERM';
  }
}

/**
 * Takes the directory's `LOCK` file (created exclusively, holding this process's id) so that one node's
 * files have one writer: two members started on one directory by mistake would interleave their logs.
 * A lock whose process is gone (it crashed) is taken over. Returns the release function.
 */
export async function lockDirectory(dir: string): Promise<() => Promise<void>> {
  const key = resolve(dir);
  if (heldHere.has(key))
    throw new StorageError(`${dir} is already open in another FileStorage of this process`, 'BLOCKED');
  const path = join(dir, 'LOCK');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx');
      try {
        await handle.writeFile(`${process.pid}\n`);
      } finally {
        await handle.close();
      }
      heldHere.add(key);
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        heldHere.delete(key);
        await rm(path, { force: true });
      };
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'EEXIST') throw toStorageError(error, `locking ${dir}`);
    }
    const pid = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
    if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid))
      throw new StorageError(`${dir} is in use by process ${pid} (its LOCK file)`, 'BLOCKED');
    // Left by a process that is gone (or by this one, without a live handle): stale.
    await rm(path, { force: true });
  }
  throw new StorageError(`${dir} is being locked by another process at the same time`, 'BLOCKED');
}
