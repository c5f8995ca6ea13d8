import { DIGEST_PATTERN } from './digest.js';
import { type RegistryRefusal, refusal } from './errors.js';

/** The registry's commands: each one proposal, validated when applied (registry-state.ts). */
export type RegistryCommand =
  | { op: 'addServer'; serverId: string; url: string }
  | { op: 'removeServer'; serverId: string }
  | { op: 'addShard'; shardId: string; serverIds: string[]; capacity: number }
  | { op: 'enableShard'; shardId: string }
  | { op: 'disableShard'; shardId: string }
  | { op: 'recordUpload'; shardId: string; name: string; size: number; server: string; digest: string }
  | { op: 'uploadFailed'; shardIds: string[] }
  | { op: 'claim'; task: string; replicator: string; leaseMs: number }
  | { op: 'complete'; task: string; replicator: string }
  | { op: 'fail'; task: string; replicator: string; reason: string };

/**
 * What goes into the log: a command, a proposal id unique to its proposer (`id`), and the proposer's
 * clock when it proposed (`at`, ms). Lease expiry is decided from `at` alone (registry-state.ts), so
 * every member decides it alike.
 */
export type RegistryEntry = RegistryCommand & { id: string; at: number };

/** Server and shard ids: short, and free of the `:` of `shard:name` and the `@` of task ids. */
export const ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
/** The longest file name, server URL and failure reason kept. */
export const MAX_NAME_CHARS = 1024;
export const MAX_URL_CHARS = 2048;
export const MAX_REASON_CHARS = 500;
/** The longest lease a claim may ask for (ms). */
export const MAX_LEASE_MS = 10 * 60_000;

/** The name of a file: non-empty, no control characters, no `/` (it is one path segment of a URL). */
export function fileNameProblem(name: unknown): string | null {
  if (typeof name !== 'string' || name.length === 0) return 'a file name is a non-empty string';
  if (name.length > MAX_NAME_CHARS) return `a file name has at most ${MAX_NAME_CHARS} characters`;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f/]/.test(name)) return 'a file name has no control characters and no "/"';
  return null;
}

const isString = (v: unknown, max: number): v is string =>
  typeof v === 'string' && v.length > 0 && v.length <= max;
const isId = (v: unknown): v is string => typeof v === 'string' && ID_PATTERN.test(v);
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** Checks an entry's shape (any member may propose anything); a refusal names the first problem. */
export function checkEntry(raw: unknown): RegistryEntry | RegistryRefusal {
  const bad = (message: string) => refusal('INVALID_COMMAND', message);
  if (typeof raw !== 'object' || raw === null) return bad('a command is an object');
  const c = raw as Record<string, unknown>;
  if (typeof c.id !== 'string') return bad('id: the proposal id');
  if (typeof c.at !== 'number' || !Number.isFinite(c.at) || c.at < 0)
    return bad('at: the proposer time (ms)');
  switch (c.op) {
    case 'addServer':
      if (!isId(c.serverId)) return bad(`serverId: a server id matches ${ID_PATTERN}`);
      if (!isString(c.url, MAX_URL_CHARS)) return bad('url: a non-empty string');
      break;
    case 'removeServer':
      if (!isId(c.serverId)) return bad(`serverId: a server id matches ${ID_PATTERN}`);
      break;
    case 'enableShard':
    case 'disableShard':
      if (!isId(c.shardId)) return bad(`shardId: a shard id matches ${ID_PATTERN}`);
      break;
    case 'addShard':
      if (!isId(c.shardId)) return bad(`shardId: a shard id matches ${ID_PATTERN}`);
      if (!Array.isArray(c.serverIds) || c.serverIds.length === 0 || !c.serverIds.every(isId))
        return bad('serverIds: a non-empty list of server ids');
      if (new Set(c.serverIds).size !== c.serverIds.length) return bad('serverIds: a server is listed twice');
      if (!isCount(c.capacity) || c.capacity === 0) return bad('capacity: a positive number of bytes');
      break;
    case 'recordUpload': {
      if (!isId(c.shardId) || !isId(c.server)) return bad('shardId, server: ids');
      const problem = fileNameProblem(c.name);
      if (problem) return bad(`name: ${problem}`);
      if (!isCount(c.size)) return bad('size: a non-negative number of bytes');
      if (typeof c.digest !== 'string' || !DIGEST_PATTERN.test(c.digest))
        return bad('digest: the SHA-256 of the file, 64 lowercase hex digits');
      break;
    }
    case 'uploadFailed':
      if (!Array.isArray(c.shardIds) || !c.shardIds.every(isId)) return bad('shardIds: a list of shard ids');
      break;
    case 'claim':
    case 'complete':
    case 'fail':
      if (!isString(c.task, MAX_NAME_CHARS) || !isString(c.replicator, MAX_NAME_CHARS))
        return bad('task, replicator: non-empty strings');
      if (c.op === 'claim' && (!isCount(c.leaseMs) || c.leaseMs === 0 || c.leaseMs > MAX_LEASE_MS))
        return bad(`leaseMs: 1 to ${MAX_LEASE_MS}`);
      if (c.op === 'fail' && typeof c.reason !== 'string') return bad('reason: a string');
      break;
    default:
      return bad(`unknown op ${JSON.stringify(c.op)}`);
  }
  return c as RegistryEntry;
}
