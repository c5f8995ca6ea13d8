import { DEFAULT_MAX_FRAME_BYTES } from '@webraft/transport-websocket/protocol';
import type { Logger } from './log.js';

/** Everything `startRelayServer` accepts. Each has a CLI flag (see FLAGS) and a default. */
export interface RelayServerOptions {
  /** TCP port; 0 picks a free one (read it from the result). */
  port: number;
  host: string;
  /** HMAC secret for tokens. Without one, any client may join any room under any node id. */
  secret: string | undefined;
  /** Allowed `Origin` values of browser clients; empty allows any. Requests without an Origin pass. */
  origins: string[];
  /** `redis://...`: share rooms with other relays through this Redis. Without it, one relay, in memory. */
  redis: string | undefined;
  /** Largest frame accepted, bytes. A larger one closes the connection (1009). */
  maxFrame: number;
  /** Per connection: frames per second, and bytes per second, past which frames are dropped. */
  rateMessages: number;
  rateBytes: number;
  /** Per connection: bytes buffered for a client that does not read, past which its messages are dropped. */
  sendBuffer: number;
  /** How long a client's buffer may stay past `sendBuffer` before it is disconnected (4429). */
  slowConsumerMs: number;
  /** Ping interval; a connection that did not answer the previous ping is closed as dead. */
  pingIntervalMs: number;
  /** On shutdown, how long clients get to close before they are cut off. */
  shutdownGraceMs: number;
  maxConnections: number;
  /** Redis only: how long this relay's members stay listed after it stops refreshing them (a crash). */
  presenceTtlMs: number;
  /** Redis only: this relay's name in Redis (default: random). */
  relayId: string | undefined;
  /** Where events go (the CLI writes JSON lines to stdout); default: nowhere. */
  log: Logger | undefined;
}

export const DEFAULTS: Omit<RelayServerOptions, 'secret' | 'redis' | 'relayId' | 'log'> = {
  port: 8787,
  host: '127.0.0.1',
  origins: [],
  maxFrame: DEFAULT_MAX_FRAME_BYTES,
  rateMessages: 5000,
  rateBytes: 16 * 1024 * 1024,
  sendBuffer: 8 * 1024 * 1024,
  slowConsumerMs: 5000,
  pingIntervalMs: 15_000,
  shutdownGraceMs: 5000,
  maxConnections: 10_000,
  presenceTtlMs: 15_000,
};

type Key = Exclude<keyof RelayServerOptions, 'log'>;

/** The CLI's flags, in `--help` order. `env` names an environment variable that may set it instead. */
export const FLAGS: {
  flag: string;
  key: Key;
  kind: 'int' | 'string' | 'list';
  help: string;
  env?: string;
}[] = [
  { flag: '--port', key: 'port', kind: 'int', help: 'TCP port to listen on (0: any free port)' },
  { flag: '--host', key: 'host', kind: 'string', help: 'address to listen on (0.0.0.0: every interface)' },
  {
    flag: '--secret',
    key: 'secret',
    kind: 'string',
    env: 'WEBRAFT_SECRET',
    help: 'HMAC secret; clients then need a token (none: open to anyone, for development)',
  },
  {
    flag: '--origins',
    key: 'origins',
    kind: 'list',
    help: 'comma-separated Origin allowlist for browsers (none: any origin)',
  },
  {
    flag: '--redis',
    key: 'redis',
    kind: 'string',
    env: 'WEBRAFT_REDIS',
    help: 'redis://host:port to share rooms with other relays (none: alone, in memory)',
  },
  {
    flag: '--max-frame',
    key: 'maxFrame',
    kind: 'int',
    help: 'largest frame in bytes; larger closes the connection',
  },
  {
    flag: '--rate-messages',
    key: 'rateMessages',
    kind: 'int',
    help: 'frames per second per connection, then dropped',
  },
  {
    flag: '--rate-bytes',
    key: 'rateBytes',
    kind: 'int',
    help: 'bytes per second per connection, then dropped',
  },
  {
    flag: '--send-buffer',
    key: 'sendBuffer',
    kind: 'int',
    help: 'bytes buffered for a client that does not read, then its messages are dropped',
  },
  {
    flag: '--slow-consumer-ms',
    key: 'slowConsumerMs',
    kind: 'int',
    help: 'ms a client may stay past --send-buffer before it is disconnected',
  },
  {
    flag: '--ping-interval-ms',
    key: 'pingIntervalMs',
    kind: 'int',
    help: 'ms between pings; no pong by the next: closed',
  },
  {
    flag: '--shutdown-grace-ms',
    key: 'shutdownGraceMs',
    kind: 'int',
    help: 'ms clients get to close on shutdown',
  },
  { flag: '--max-connections', key: 'maxConnections', kind: 'int', help: 'connections this relay accepts' },
  {
    flag: '--presence-ttl-ms',
    key: 'presenceTtlMs',
    kind: 'int',
    help: "with --redis: ms a crashed relay's clients stay listed",
  },
  {
    flag: '--relay-id',
    key: 'relayId',
    kind: 'string',
    help: "with --redis: this relay's name (default: random)",
  },
];

/** Fills in defaults and checks every option; throws TypeError naming the bad one. */
export function resolveOptions(given: Partial<RelayServerOptions>): RelayServerOptions {
  const o: RelayServerOptions = {
    ...DEFAULTS,
    secret: undefined,
    redis: undefined,
    relayId: undefined,
    log: undefined,
    ...Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)),
  };
  const int = (key: Key, min: number) => {
    const v = o[key];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min)
      throw new TypeError(`${key} must be an integer of at least ${min}, not ${String(v)}`);
  };
  int('port', 0);
  if (o.port > 65535) throw new TypeError('port must be at most 65535');
  for (const key of [
    'maxFrame',
    'rateMessages',
    'rateBytes',
    'sendBuffer',
    'pingIntervalMs',
    'maxConnections',
  ] as const)
    int(key, 1);
  for (const key of ['slowConsumerMs', 'shutdownGraceMs'] as const) int(key, 0);
  int('presenceTtlMs', 1000);
  if (o.secret !== undefined && o.secret.length < 16)
    throw new TypeError('secret must be at least 16 characters');
  if (o.redis !== undefined && !/^rediss?:\/\//.test(o.redis))
    throw new TypeError('redis must be a redis:// or rediss:// URL');
  if (!Array.isArray(o.origins) || !o.origins.every((x) => typeof x === 'string'))
    throw new TypeError('origins must be a list of strings');
  return o;
}
