import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StorageError } from '@webraft/core';
import { describe, expect, it } from 'vitest';
import { FileStorage } from '../src/index.js';
import { hard, loadOnce, tempRoot } from './helpers.js';

const newDir = tempRoot('lock');

describe('one writer per directory', () => {
  it('a second handle of this process on an open directory is refused (BLOCKED), the first goes on', async () => {
    const dir = newDir();
    const first = new FileStorage(dir);
    await first.persist({ hardState: hard(1, null, 0) });
    const error = await new FileStorage(dir).load().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).code).toBe('BLOCKED');
    await first.persist({ hardState: hard(2, null, 0) });
    await first.close();
    expect((await loadOnce(dir)).hardState).toEqual(hard(2, null, 0));
  });

  it('a lock left by a process that is gone is taken over', async () => {
    const dir = newDir();
    await loadOnce(dir);
    // A process that exited: its id is free (the child has been reaped).
    const child = spawn(process.execPath, ['-e', '0']);
    const pid = child.pid;
    await new Promise((resolve) => child.once('exit', resolve));
    writeFileSync(join(dir, 'LOCK'), `${pid}\n`);
    expect((await loadOnce(dir)).hardState).toEqual(hard(0, null, 0));
  });

  it('a lock held by a live process is refused', async () => {
    const dir = newDir();
    await loadOnce(dir);
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    try {
      await new Promise((resolve) => child.once('spawn', resolve));
      writeFileSync(join(dir, 'LOCK'), `${child.pid}\n`);
      const error = await new FileStorage(dir).load().catch((e: unknown) => e);
      expect((error as StorageError).code).toBe('BLOCKED');
      expect((error as Error).message).toContain(String(child.pid));
    } finally {
      child.kill('SIGKILL');
    }
  });
});
