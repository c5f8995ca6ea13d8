import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { MemoryNetwork } from '@webraft/core';
import { MemoryLevel } from 'memory-level';
import { type ReplicatedDb, type ReplicateOptions, replicate } from '../src/index.js';

/** Resolves once `condition` holds, re-checked after every `sync` event of `dbs` (no polling, no sleeps). */
export function whenSynced(
  dbs: readonly ReplicatedDb[],
  condition: () => Promise<boolean> | boolean,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = false;
    const check = async () => {
      if (done) return;
      try {
        if (await condition()) {
          done = true;
          for (const db of dbs) db.off('sync', check);
          resolve();
        }
      } catch (error) {
        reject(error);
      }
    };
    for (const db of dbs) db.on('sync', check);
    void check();
  });
}

/** The first `event` of `db` whose payload satisfies `match`. */
export function nextEvent<E extends 'error' | 'connect' | 'connection' | 'ready'>(
  db: ReplicatedDb,
  event: E,
  match: (arg: never) => boolean = () => true,
): Promise<unknown> {
  return new Promise((resolve) => {
    const listener = (arg: never) => {
      if (!match(arg)) return;
      db.off(event, listener as never);
      resolve(arg);
    };
    db.on(event, listener as never);
  });
}

/** Replicas named `ids` on one MemoryNetwork, each configured with all the others as peers. */
export function memoryCluster(ids: readonly string[], options: Partial<ReplicateOptions> = {}) {
  const network = new MemoryNetwork();
  const dbs = ids.map((id) =>
    replicate(new MemoryLevel(), {
      id,
      transport: network.transport(id),
      peers: ids.filter((p) => p !== id),
      minIntervalMs: 5,
      maxIntervalMs: 50,
      ...options,
    }),
  );
  return { network, dbs };
}

/** Every key and value of `db`'s replicated data. */
export async function contents(db: ReplicatedDb): Promise<[string, unknown][]> {
  return db.iterator().all() as Promise<[string, unknown][]>;
}

/** A loopback port free right now for `kind` (the OS picks it). */
export async function freePort(kind: 'tcp' | 'udp' = 'tcp'): Promise<number> {
  if (kind === 'tcp') {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
  }
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}
