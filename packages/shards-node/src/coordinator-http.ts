import type { IncomingMessage, ServerResponse } from 'node:http';
import { RaftError } from '@webraft/core';
import {
  FileNotFoundError,
  InvalidArgumentError,
  NoShardAvailableError,
  prometheusText,
  type RegistryClient,
  RegistryError,
  registryStatus,
  type ShardCoordinator,
  type ShardRegistry,
} from '@webraft/shards';
import { adminCall } from './admin-commands.js';
import { BodyTooLargeError, pathName, readBody, sendError, sendJson } from './http-body.js';

export interface CoordinatorHttpContext {
  coordinator: ShardCoordinator;
  client: RegistryClient;
  registry: ShardRegistry;
  /** This member's Raft view, for /status and /metrics. */
  member: () => Record<string, unknown>;
  maxUploadBytes: number;
  /** Extra Prometheus lines (the member's own gauges). */
  memberMetrics: () => string;
}

/** The HTTP status of an error from the registry, the coordinator or the Raft member. */
function statusOf(error: unknown): { status: number; code: string } {
  if (error instanceof InvalidArgumentError) return { status: 400, code: error.code };
  if (error instanceof FileNotFoundError) return { status: 404, code: error.code };
  if (error instanceof NoShardAvailableError) return { status: 507, code: error.code };
  if (error instanceof RegistryError)
    return { status: error.code.startsWith('UNKNOWN') ? 404 : 409, code: error.code };
  if (error instanceof BodyTooLargeError) return { status: 413, code: 'TOO_LARGE' };
  // No leader yet, a timeout, a stopping member: try again (or another coordinator).
  if (error instanceof RaftError) return { status: 503, code: error.code };
  return { status: 500, code: 'INTERNAL' };
}

/**
 * The seed's coordinator interface and ours beside it:
 * - `PUT /<name>` with the file as body: `{"shard_id":"<id>"}` (the seed's answer);
 * - `GET /<shard>:<name>`: the file, from the first server of the shard that has it (the nginx recipe);
 * - `GET /metrics`: the counters as Prometheus text; `GET /status`: the registry and this member, JSON;
 * - `POST /admin`: one registry change, JSON (what the CLI sends: admin-commands.ts).
 */
export function coordinatorHandler(ctx: CoordinatorHttpContext) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    void route(ctx, req, res).catch((error: unknown) => {
      const { status, code } = statusOf(error);
      if (!res.headersSent)
        sendError(res, status, code, error instanceof Error ? error.message : String(error));
      else res.destroy();
    });
  };
}

async function route(ctx: CoordinatorHttpContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0]!;
  if (req.method === 'GET' && path === '/metrics') {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(prometheusText(ctx.registry.state) + ctx.memberMetrics());
    return;
  }
  if (req.method === 'GET' && path === '/status') {
    return sendJson(res, 200, { member: ctx.member(), ...registryStatus(ctx.registry.state) });
  }
  if (req.method === 'POST' && path === '/admin') {
    const body = await readBody(req, 64 * 1024);
    let command: unknown;
    try {
      command = JSON.parse(new TextDecoder().decode(body));
    } catch {
      return sendError(res, 400, 'BAD_JSON', 'the body is not JSON');
    }
    return sendJson(res, 200, await adminCall(ctx.client, command));
  }
  const name = pathName(req.url);
  if (name === null) return sendError(res, 400, 'BAD_NAME', 'the path is not percent-encoded');
  if (req.method === 'PUT') {
    const bytes = await readBody(req, ctx.maxUploadBytes);
    const { shardId } = await ctx.coordinator.upload(name, bytes);
    return sendJson(res, 200, { shard_id: shardId });
  }
  if (req.method === 'GET' || req.method === 'HEAD') {
    const colon = name.indexOf(':');
    if (colon <= 0) return sendError(res, 400, 'BAD_NAME', 'read a file as /<shard>:<name>');
    const bytes = await ctx.coordinator.read(name.slice(0, colon), name.slice(colon + 1));
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length });
    res.end(req.method === 'HEAD' ? undefined : bytes);
    return;
  }
  sendError(res, 405, 'METHOD', 'GET, HEAD, PUT, or POST /admin');
}
