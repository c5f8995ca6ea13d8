import { parseArgs } from 'node:util';
import { parseSize } from '@webraft/shards';
import type { AdminCommand } from './admin-commands.js';
import { startCoordinatorMember } from './coordinator-member.js';
import { logListening } from './http-body.js';
import { startStorageServer } from './storage-server.js';

const USAGE = `webraft-coordinator: the backpack-coordinator seed's commands on a webraft cluster

  serve --id <id> --peers <id,id,...> --data <dir> --relay <ws://...> [--room shards] [--port 12001]
        [--host 127.0.0.1] [--token <t>] [--no-replicator] [--lease-ms 10000]
      run a coordinator member (its own Raft node, durable storage in <dir>) and its replicator
  storage-server --dir <dir> [--port 10001] [--host 127.0.0.1] [--limit 100gb]
      run a small HTTP file server (a backpack node) for tests and one-machine setups
  init <coordinator-url>                          wait until the cluster answers; print the maps
  add-server <coordinator-url> <id> <url>         register a storage server
  remove-server <coordinator-url> <id>            unregister one that is in no shard
  add-shard <coordinator-url> <id> <servers> <size>   e.g. add-shard http://one:12001 1 1,4 100gb
  enable-shard <coordinator-url> <id>             shards start read-only
  disable-shard <coordinator-url> <id>
  status <coordinator-url>                        servers, shards, queue and counters (JSON)
`;

/** A usage mistake: printed with the usage, exit code 2. */
class UsageError extends Error {}

async function callCoordinator(url: string, path: string, init?: RequestInit): Promise<unknown> {
  const res = await fetch(`${url.replace(/\/+$/, '')}${path}`, init);
  const body = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${body.code ?? res.status}: ${body.error ?? 'refused'}`);
  return body;
}

const admin = (url: string, command: AdminCommand) =>
  callCoordinator(url, '/admin', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(command),
  });

function positionals(args: string[], names: string[]): string[] {
  if (args.length !== names.length) throw new UsageError(`expected: ${names.join(' ')}`);
  return args;
}

async function serve(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      id: { type: 'string' },
      peers: { type: 'string' },
      data: { type: 'string' },
      relay: { type: 'string' },
      room: { type: 'string', default: 'shards' },
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      token: { type: 'string' },
      'no-replicator': { type: 'boolean', default: false },
      'lease-ms': { type: 'string' },
    },
  });
  if (!values.id || !values.peers || !values.data || !values.relay)
    throw new UsageError('serve needs --id, --peers, --data and --relay');
  const member = await startCoordinatorMember({
    id: values.id,
    peers: values.peers.split(','),
    dataDir: values.data,
    relay: values.relay.split(','),
    room: values.room,
    port: Number(values.port),
    host: values.host,
    replicator: !values['no-replicator'],
    ...(values.token ? { token: values.token } : {}),
    ...(values['lease-ms'] ? { leaseMs: Number(values['lease-ms']) } : {}),
  });
  logListening('coordinator', member.url, member.port, { id: member.id });
  const shutdown = () => void member.stop().then(() => process.exit(0));
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

async function storageServer(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      dir: { type: 'string' },
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      limit: { type: 'string' },
    },
  });
  if (!values.dir) throw new UsageError('storage-server needs --dir');
  const server = await startStorageServer({
    dir: values.dir,
    port: Number(values.port),
    host: values.host,
    ...(values.limit ? { limitBytes: parseSize(values.limit, '--limit') } : {}),
  });
  logListening('storage', server.url, server.port);
  const shutdown = () => void server.close().then(() => process.exit(0));
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

/** Polls the coordinator until its cluster has a leader, as the seed's init waits for ZooKeeper. */
async function init(url: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      const status = (await callCoordinator(url, '/status')) as {
        member: { leader: string | null };
        servers: unknown[];
        shards: unknown[];
        tasks: unknown[];
      };
      if (status.member.leader !== null) {
        console.log(`Servers map initialized (${status.servers.length} servers)`);
        console.log(`Shards map initialized (${status.shards.length} shards)`);
        console.log(`Queue initialized (${status.tasks.length} tasks)`);
        return;
      }
    } catch (error) {
      if (attempt >= 60) throw error;
    }
    if (attempt >= 60) throw new Error('the cluster has no leader after 30 s');
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return serve(rest);
    case 'storage-server':
      return storageServer(rest);
    case 'init':
      return init(positionals(rest, ['<coordinator-url>'])[0]!);
    case 'add-server': {
      const [url, serverId, serverUrl] = positionals(rest, ['<coordinator-url>', '<id>', '<url>']);
      await admin(url!, { op: 'addServer', serverId: serverId!, url: serverUrl! });
      return console.log(`Server ${serverId} added`);
    }
    case 'remove-server': {
      const [url, serverId] = positionals(rest, ['<coordinator-url>', '<id>']);
      await admin(url!, { op: 'removeServer', serverId: serverId! });
      return console.log(`Server ${serverId} removed`);
    }
    case 'add-shard': {
      const [url, shardId, servers, size] = positionals(rest, [
        '<coordinator-url>',
        '<id>',
        '<servers>',
        '<size>',
      ]);
      await admin(url!, { op: 'addShard', shardId: shardId!, serverIds: servers!, capacity: size! });
      return console.log(`Shard ${shardId} added (read-only until enabled)`);
    }
    case 'enable-shard':
    case 'disable-shard': {
      const [url, shardId] = positionals(rest, ['<coordinator-url>', '<id>']);
      await admin(url!, {
        op: command === 'enable-shard' ? 'enableShard' : 'disableShard',
        shardId: shardId!,
      });
      return console.log(`Shard ${shardId} ${command === 'enable-shard' ? 'enabled' : 'disabled'}`);
    }
    case 'status':
      return console.log(
        JSON.stringify(
          await callCoordinator(positionals(rest, ['<coordinator-url>'])[0]!, '/status'),
          null,
          2,
        ),
      );
    default:
      throw new UsageError(command === undefined ? 'no command' : `unknown command ${command}`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
