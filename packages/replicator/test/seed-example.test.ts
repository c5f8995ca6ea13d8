import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryNetwork } from '@webraft/core';
import { ClassicLevel } from 'classic-level';
import { afterAll, describe, expect, it } from 'vitest';
import { type ReplicatedDb, replicate } from '../src/index.js';
import { whenSynced } from './helpers.js';

// The seed's multi-master example with our names: `level(dir)` is `new ClassicLevel(dir)`, the UDP
// discovery of an empty `peers` is the transport's discovery (here a MemoryNetwork, whose `onPeer`
// reports every endpoint; BroadcastChannel or the relay room in a browser), `port`/`host` are the id.
describe("the seed's README example", () => {
  const root = mkdtempSync(join(tmpdir(), 'webraft-replicator-seed-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('server 1 (two instances), server 2 and server 3 each put some-key and converge', async () => {
    const network = new MemoryNetwork();
    const log: string[] = [];
    const server = (id: string, dir: string): ReplicatedDb => {
      const replicationConfig = {
        id,
        transport: network.transport(id),
        peers: [],
        minIntervalMs: 5,
        maxIntervalMs: 50,
      };
      const db = replicate(new ClassicLevel(join(root, dir)), replicationConfig);
      db.on('connect', (peer) => log.push(`${id} connect ${peer}`));
      db.on('connection', (peer) => log.push(`${id} connection ${peer}`));
      db.on('error', (err) => log.push(`${id} error ${err.message}`));
      return db;
    };
    const dbs = [
      server('server1:9000', 'db'),
      server('server1:9001', 'db2'),
      server('server2:9000', 'db3'),
      server('server3:9000', 'db4'),
    ];
    await Promise.all(dbs.map((db) => db.put('some-key', 'some-value')));
    // Four writes of one key at clock 0: the default resolver keeps the largest writer id everywhere.
    await whenSynced(dbs, async () => {
      const versions = await Promise.all(dbs.map((db) => db.version('some-key')));
      return versions.every((v) => v?.writer === 'server3:9000');
    });
    for (const db of dbs) expect(await db.get('some-key')).toBe('some-value');
    expect(log.filter((l) => l.includes(' error '))).toEqual([]);
    expect(log).toContain('server1:9000 connect server3:9000');
    expect(log).toContain('server3:9000 connection server1:9000');
    await Promise.all(dbs.map((db) => db.close()));
  });
});
