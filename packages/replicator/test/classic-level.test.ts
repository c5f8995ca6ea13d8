import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MemoryNetwork } from '@webraft/core';
import { ClassicLevel } from 'classic-level';
import { afterEach, describe, expect, it } from 'vitest';
import { auditStore, ReplicaStore, replicate } from '../src/index.js';
import { contents, whenSynced } from './helpers.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'webraft-replicator-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('classic-level on disk', () => {
  it('replicates between two databases on disk, and after reopening pulls only what is new', async () => {
    const [da, db_] = [tempDir(), tempDir()];
    const network = new MemoryNetwork();
    const open = (id: string, dir: string, peers: string[]) =>
      replicate(new ClassicLevel(dir), {
        id,
        transport: network.transport(id),
        peers,
        discovery: false,
        minIntervalMs: 5,
        maxIntervalMs: 50,
      });
    let a = open('a', da, ['b']);
    let b = open('b', db_, ['a']);
    await a.batch(Array.from({ length: 50 }, (_, i) => ({ type: 'put' as const, key: `k${i}`, value: i })));
    await whenSynced([a, b], async () => (await contents(b)).length === 50);
    await Promise.all([a.close(), b.close()]);

    a = open('a', da, []);
    b = open('b', db_, []);
    await Promise.all([a.ready, b.ready]);
    expect(await contents(b)).toHaveLength(50);
    expect(await b.store.mark('a')).toMatchObject({ incarnation: a.store.incarnation, seq: 50 });
    await a.put('k50', 50);
    const reports: number[] = [];
    b.on('sync', (r) => reports.push(r.applied));
    await b.sync('a');
    expect(reports).toEqual([1]);
    expect(await contents(b)).toEqual(await contents(a));
    await Promise.all([a.close(), b.close()]);
  });

  it('stays consistent when the writing process is killed mid-write: every acknowledged batch kept, none half-applied', async () => {
    const dir = tempDir();
    const child = fork(fileURLToPath(new URL('./fixtures/crash-writer.ts', import.meta.url)), [dir], {
      execArgv: ['--import', 'tsx'],
      stdio: 'inherit',
    });
    let acked = -1;
    await new Promise<void>((resolve, reject) => {
      child.on('message', (m: { acked: number }) => {
        acked = m.acked;
        if (acked === 300) child.kill('SIGKILL'); // while it goes on writing
      });
      child.on('exit', () => resolve());
      child.on('error', reject);
    });
    expect(acked).toBeGreaterThanOrEqual(300);

    const level = new ClassicLevel(dir);
    const store = new ReplicaStore(level);
    await store.open();
    expect(await auditStore(store)).toEqual([]);
    const held = new Map((await store.data.iterator().all()) as [string, { i: number }][]);
    let last = -1;
    while (held.has(`k${last + 1}`) || (await store.entry(`k${last + 1}`)) !== undefined) last++;
    expect(last).toBeGreaterThanOrEqual(acked);
    // Batch i deleted k<i-1> when i is a multiple of 3: exactly the committed batches show.
    const expected = new Set<string>();
    for (let i = 0; i <= last; i++) {
      expected.add(`k${i}`);
      if (i % 3 === 0 && i > 0) expected.delete(`k${i - 1}`);
    }
    expect([...held.keys()].sort()).toEqual([...expected].sort());
    expect(store.seq).toBeGreaterThanOrEqual(last + 1);
    await level.close();
  });
});
