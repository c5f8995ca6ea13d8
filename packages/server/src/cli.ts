#!/usr/bin/env node
/**
 * `webraft-server [flags]` starts a relay; `webraft-server token --room R --node N --ttl 1h` prints a
 * token (signed with --secret or WEBRAFT_SECRET). `--help` lists every flag and its default.
 */
import { parseArgs } from 'node:util';
import { jsonLineLogger, logEvent } from './log.js';
import { DEFAULTS, FLAGS, type RelayServerOptions } from './options.js';
import { startRelayServer } from './relay-server.js';
import { createToken, parseDuration } from './token.js';

function help(): string {
  const rows = FLAGS.map((f) => {
    const fallback = (DEFAULTS as Record<string, unknown>)[f.key];
    const shown =
      fallback === undefined
        ? 'none'
        : Array.isArray(fallback)
          ? fallback.length === 0
            ? 'none'
            : fallback.join(',')
          : String(fallback);
    const env = f.env ? `, env ${f.env}` : '';
    return `  ${`${f.flag} ${f.kind === 'int' ? 'N' : f.kind === 'list' ? 'A,B' : 'S'}`.padEnd(26)}${f.help} (default: ${shown}${env})`;
  });
  return [
    'webraft-server: relay and WebRTC signaling server for webraft clients over WebSocket',
    '',
    'usage: webraft-server [flags]',
    '       webraft-server token --room R --node N [--ttl 1h] [--secret S]',
    '',
    'flags:',
    ...rows,
    `  ${'--help'.padEnd(26)}print this help`,
    '',
    'HTTP: GET /healthz (200 when serving), GET /metrics (Prometheus text format).',
    'Logs: one JSON line per event on stdout. SIGTERM or SIGINT: graceful shutdown.',
  ].join('\n');
}

function fail(message: string): never {
  process.stderr.write(`webraft-server: ${message}\n(see webraft-server --help)\n`);
  process.exit(2);
}

function serverOptions(args: string[]): Partial<RelayServerOptions> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      help: { type: 'boolean' },
      ...Object.fromEntries(FLAGS.map((f) => [f.flag.slice(2), { type: 'string' as const }])),
    },
  });
  if (values.help) {
    process.stdout.write(`${help()}\n`);
    process.exit(0);
  }
  const options: Record<string, unknown> = {};
  for (const f of FLAGS) {
    const text =
      (values as Record<string, string | undefined>)[f.flag.slice(2)] ??
      (f.env ? process.env[f.env] : undefined);
    if (text === undefined) continue;
    if (f.kind === 'int') {
      if (!/^\d+$/.test(text)) fail(`${f.flag} must be a non-negative integer, not ${text}`);
      options[f.key] = Number(text);
    } else if (f.kind === 'list')
      options[f.key] = text
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    else options[f.key] = text;
  }
  return options;
}

function token(args: string[]): void {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      room: { type: 'string' },
      node: { type: 'string' },
      ttl: { type: 'string', default: '1h' },
      secret: { type: 'string' },
    },
  });
  const secret = values.secret ?? process.env.WEBRAFT_SECRET;
  if (!secret) fail('token needs --secret or WEBRAFT_SECRET');
  if (!values.room || !values.node) fail('token needs --room and --node');
  let ttlSeconds: number;
  try {
    ttlSeconds = parseDuration(values.ttl ?? '1h');
  } catch (error) {
    fail((error as Error).message);
  }
  process.stdout.write(`${createToken(secret, { room: values.room, node: values.node, ttlSeconds })}\n`);
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === 'token') return token(argv.slice(1));
  let options: Partial<RelayServerOptions>;
  try {
    options = serverOptions(argv);
  } catch (error) {
    fail((error as Error).message);
  }
  const log = jsonLineLogger();
  let server: Awaited<ReturnType<typeof startRelayServer>>;
  try {
    server = await startRelayServer({ ...options, log });
  } catch (error) {
    logEvent(log, 'start_failed', { error: (error as Error).message });
    process.exit(1);
  }
  const stop = (signal: string) => {
    logEvent(log, 'signal', { signal });
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

await main(process.argv.slice(2));
