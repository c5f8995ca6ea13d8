import { copyFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileStorage } from '../src/index.js';
import { CONFIG, hard, loadOnce, range, tempRoot } from './helpers.js';

const newDir = tempRoot('rewrite');
const logFiles = (dir: string) =>
  readdirSync(dir)
    .filter((n) => n.includes('.wal'))
    .sort();

describe('rewriting the log file to the live state', () => {
  it('keeps the file near the live state: a compacted log does not grow without bound', async () => {
    const dir = newDir();
    const storage = new FileStorage(dir, { rewriteAfterBytes: 16 * 1024 });
    let commit = 0;
    for (let i = 1; i <= 2000; i++) {
      await storage.persist({ entries: range(i, i, 1), hardState: hard(1, 'n1', commit) });
      commit = i;
      // Compact as a node does: a snapshot every 100 entries.
      if (i % 100 === 0)
        await storage.persist({
          compaction: { meta: { index: i, term: 1, config: CONFIG }, data: { upTo: i } },
        });
    }
    const [file = ''] = logFiles(dir);
    expect(logFiles(dir)).toEqual([file]);
    expect(file).not.toBe('log-0000000001.wal');
    expect(statSync(join(dir, file)).size).toBeLessThan(2 * 16 * 1024);
    await storage.close();
    const loaded = await loadOnce(dir);
    expect(loaded.snapshot?.meta.index).toBe(2000);
    expect(loaded.entries).toEqual([]);
    expect(loaded.hardState).toEqual(hard(1, 'n1', 1999));
  });

  it('a crash before the rename leaves a .tmp: the old file is live and the .tmp is removed', async () => {
    const dir = newDir();
    const storage = new FileStorage(dir);
    await storage.persist({ entries: range(1, 5, 1), hardState: hard(1, 'n1', 3) });
    await storage.close();
    const [live = ''] = logFiles(dir);
    writeFileSync(join(dir, 'log-0000000002.wal.tmp'), 'half a rewrite');
    expect(await loadOnce(dir)).toEqual({
      hardState: hard(1, 'n1', 3),
      snapshot: null,
      entries: range(1, 5, 1),
    });
    expect(logFiles(dir)).toEqual([live]);
  });

  it('a crash after the rename, before the old file was removed: the newer file is live', async () => {
    const dir = newDir();
    const storage = new FileStorage(dir, { rewriteAfterBytes: 1 });
    await storage.persist({ entries: range(1, 2, 1), hardState: hard(1, 'n1', 0) });
    const [older = ''] = logFiles(dir);
    const stale = join(dir, 'stale-copy');
    copyFileSync(join(dir, older), stale);
    await storage.persist({ entries: range(3, 4, 2), hardState: hard(2, 'n2', 2) });
    await storage.close();
    // Put back the older generation, as if its removal had not happened.
    copyFileSync(stale, join(dir, older));
    const newest = logFiles(dir).at(-1);
    expect(newest).not.toBe(older);
    expect(await loadOnce(dir)).toEqual({
      hardState: hard(2, 'n2', 2),
      snapshot: null,
      entries: [...range(1, 2, 1), ...range(3, 4, 2)],
    });
    expect(logFiles(dir)).toEqual([newest]);
  });
});
