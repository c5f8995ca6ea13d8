import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ShardCluster, waitFor } from './cluster-harness.js';

// The seed's example in real processes on loopback: 3 coordinator members (each its own Raft node on
// file storage, talking through a relay) and 6 storage servers in shards 1 (1,4), 2 (2,5), 3 (3,6),
// set up with the CLI; uploads through every coordinator while one coordinator and one storage
// server are killed; reads with fallback; the replicators drain the queue once the server is back.
const SHARDS: [string, string[]][] = [
  ['1', ['1', '4']],
  ['2', ['2', '5']],
  ['3', ['3', '6']],
];
const cluster = new ShardCluster(3);

beforeAll(async () => {
  await cluster.start(['1', '2', '3', '4', '5', '6']);
}, 300_000);
afterAll(() => cluster.stop(), 60_000);

const contentOf = (i: number) => new TextEncoder().encode(`file ${i}: ${'x'.repeat(i * 97)}`);

describe('webraft-coordinator end to end', () => {
  it('sets up the seed cluster with the CLI, uploads through any coordinator through failures, reads with fallback, drains the queue', async () => {
    const c1 = cluster.coordinatorUrl('c1');
    expect(await cluster.cli('init', c1)).toContain('Servers map initialized');
    for (const [id, p] of cluster.storage)
      expect(await cluster.cli('add-server', c1, id, p.url)).toContain(`Server ${id} added`);
    for (const [id, servers] of SHARDS) {
      await cluster.cli('add-shard', cluster.coordinatorUrl('c2'), id, servers.join(','), '100mb');
      await cluster.cli('enable-shard', cluster.coordinatorUrl('c3'), id);
    }
    // A refused change: a typed error, exit code 1, nothing changed.
    await expect(cluster.cli('add-shard', c1, '4', '1,9', '1gb')).rejects.toMatchObject({ code: 1 });
    const status = JSON.parse(await cluster.cli('status', c1)) as {
      shards: { id: string; readOnly: boolean }[];
    };
    expect(status.shards.map((s) => [s.id, s.readOnly])).toEqual([
      ['1', false],
      ['2', false],
      ['3', false],
    ]);

    const acked = new Map<string, { shardId: string; bytes: Uint8Array }>();
    const live = new Set(cluster.coordinatorIds);
    /** Uploads through the coordinators in turn; a refused or cut-off attempt goes to the next one. */
    const upload = async (i: number) => {
      const name = `file-${i}.txt`;
      const bytes = contentOf(i);
      for (let attempt = 0; attempt < 30; attempt++) {
        const ids = [...live];
        const via = ids[(i + attempt) % ids.length]!;
        let answer: { status: number; body: { shard_id?: string } };
        try {
          const res = await fetch(`${cluster.coordinatorUrl(via)}/${name}`, { method: 'PUT', body: bytes });
          answer = { status: res.status, body: (await res.json()) as { shard_id?: string } };
        } catch {
          continue; // The coordinator was killed during the request.
        }
        if (answer.status === 200) {
          expect(Object.keys(answer.body)).toEqual(['shard_id']);
          acked.set(name, { shardId: answer.body.shard_id!, bytes });
          return;
        }
        expect(answer.status, JSON.stringify(answer.body)).toBe(503); // no leader for a moment: try another
      }
      throw new Error(`${name} was not uploaded in 30 attempts`);
    };

    const N = 30;
    const pending: Promise<void>[] = [];
    for (let i = 0; i < N; i++) {
      if (i === 12) {
        // Kill the leader's process (the hardest one to lose) and storage server 4.
        const leader = (await cluster.status('c1')).member.leader ?? 'c1';
        live.delete(leader);
        await cluster.coordinators.get(leader)!.kill();
        await cluster.storage.get('4')!.kill();
      }
      pending.push(upload(i));
      if (i % 3 === 2) await Promise.all(pending.splice(0));
    }
    await Promise.all(pending);
    expect(acked.size).toBe(N);

    // Reads with fallback through the live coordinators (server 4 is down: shard 1 reads from 1).
    const readers = [...live];
    let k = 0;
    for (const [name, { shardId, bytes }] of acked) {
      const via = readers[k++ % readers.length]!;
      const res = await fetch(`${cluster.coordinatorUrl(via)}/${shardId}:${name}`);
      expect(res.status).toBe(200);
      expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes);
    }

    // Storage server 4 comes back with its disk; the replicators finish the queue.
    await cluster.startStorage('4');
    const reader = readers[0]!;
    // (Copies to server 4 failed while it was down and wait out their backoff, at most a minute.)
    await waitFor(
      async () => (await cluster.status(reader)).tasks.length === 0,
      150_000,
      'the queue draining',
    ).catch(async (error: Error) => {
      error.message += `; left: ${JSON.stringify((await cluster.status(reader)).tasks)}`;
      throw error;
    });
    for (const [name, { shardId, bytes }] of acked) {
      for (const server of SHARDS.find(([id]) => id === shardId)![1]) {
        const res = await fetch(`${cluster.storage.get(server)!.url}/${name}`);
        expect(res.status, `${name} on server ${server}`).toBe(200);
        expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes);
      }
    }
    // The counters, as Prometheus text.
    const metrics = await (await fetch(`${cluster.coordinatorUrl(reader)}/metrics`)).text();
    const total = (metric: string, label = '') =>
      [...metrics.matchAll(new RegExp(`^${metric}\\{shard="\\d+"${label}\\} (\\d+)$`, 'gm'))].reduce(
        (sum, m) => sum + Number(m[1]),
        0,
      );
    expect(total('webraft_shard_uploads_total', ',result="ok"')).toBeGreaterThanOrEqual(N);
    expect(total('webraft_shard_replications_pending')).toBe(0);
    const { counters } = await cluster.status(reader);
    for (const c of counters) expect(c.replicationsDone).toBe(c.uploadsOk);
  }, 400_000);
});
