import { InvalidArgumentError, type RegistryClient } from '@webraft/shards';

/** The registry changes an operator makes (the seed's add-server, add-shard, enable-shard, ...). */
export type AdminCommand =
  | { op: 'addServer'; serverId: string; url: string }
  | { op: 'removeServer'; serverId: string }
  | { op: 'addShard'; shardId: string; serverIds: string[] | string; capacity: number | string }
  | { op: 'enableShard'; shardId: string }
  | { op: 'disableShard'; shardId: string };

const str = (c: Record<string, unknown>, key: string): string => {
  const v = c[key];
  if (typeof v !== 'string') throw new InvalidArgumentError(key, 'a string');
  return v;
};

/**
 * Runs one admin command through `client`: resolves with the registry's result, rejects with
 * `InvalidArgumentError` for a malformed command and `RegistryError` for a refused one (nothing changed).
 */
export async function adminCall(client: RegistryClient, raw: unknown): Promise<Record<string, unknown>> {
  if (typeof raw !== 'object' || raw === null) throw new InvalidArgumentError('command', 'a JSON object');
  const c = raw as Record<string, unknown>;
  switch (c.op) {
    case 'addServer':
      return client.send({ op: 'addServer', serverId: str(c, 'serverId'), url: str(c, 'url') });
    case 'removeServer':
      return client.send({ op: 'removeServer', serverId: str(c, 'serverId') });
    case 'addShard': {
      const servers = c.serverIds;
      if (typeof servers !== 'string' && !Array.isArray(servers))
        throw new InvalidArgumentError('serverIds', 'a list of server ids or "1,4"');
      const capacity = c.capacity;
      if (typeof capacity !== 'string' && typeof capacity !== 'number')
        throw new InvalidArgumentError('capacity', 'bytes, or a size like 100gb');
      return (await client.addShard(str(c, 'shardId'), servers as string[] | string, capacity)) as Record<
        string,
        unknown
      >;
    }
    case 'enableShard':
    case 'disableShard':
      return client.send({ op: c.op, shardId: str(c, 'shardId') });
    default:
      throw new InvalidArgumentError(
        'op',
        `one of addServer, removeServer, addShard, enableShard, disableShard`,
      );
  }
}
