import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileNameProblem, sameBytes } from '@webraft/shards';
import { BodyTooLargeError, pathName, readBody, sendError } from './http-body.js';

export interface StorageServerOptions {
  /** Where the files go, one per name (the name percent-encoded). Created if missing. */
  dir: string;
  /** 0 picks a free port. */
  port?: number;
  /** Loopback by default: a storage server for tests and single-machine setups. */
  host?: string;
  /** The most bytes the server holds; a put past it is refused with 507. Default: no limit. */
  limitBytes?: number;
  /** The largest file accepted (bytes). Default 64 MiB. */
  maxFileBytes?: number;
}

export interface StorageServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * A small HTTP file server, the seed's backpack node: `PUT /name` stores the body (201), `GET /name`
 * answers it (200) or 404. With `If-None-Match: *` (a coordinator's create-only write) a file of that
 * name with other bytes is kept and the put answers 412; the same bytes again answer 204, so a retried
 * upload succeeds. A file is written under a temporary name and renamed, so a read never sees half of
 * one. Puts of one name run one after another.
 */
export async function startStorageServer(options: StorageServerOptions): Promise<StorageServer> {
  const { dir } = options;
  const maxFileBytes = options.maxFileBytes ?? 64 * 1024 * 1024;
  await mkdir(dir, { recursive: true });
  const pathOf = (name: string) => join(dir, `${encodeURIComponent(name)}.blob`);
  const queues = new Map<string, Promise<void>>();
  let used = 0;
  let tmpSeq = 0;

  /** Runs `work` after the previous put of `name`. */
  const serialized = (name: string, work: () => Promise<void>): Promise<void> => {
    const next = (queues.get(name) ?? Promise.resolve()).then(work);
    const settled = next.catch(() => undefined);
    queues.set(name, settled);
    void settled.then(() => {
      if (queues.get(name) === settled) queues.delete(name);
    });
    return next;
  };

  const existing = async (name: string): Promise<Uint8Array | null> =>
    readFile(pathOf(name)).then(
      (b) => new Uint8Array(b),
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return null;
        throw error;
      },
    );

  const server: Server = createServer((req, res) => {
    const name = pathName(req.url);
    const problem = name === null ? 'the path is not percent-encoded' : fileNameProblem(name);
    if (name === null || problem) return sendError(res, 400, 'BAD_NAME', problem!);
    if (req.method === 'GET' || req.method === 'HEAD') {
      existing(name).then(
        (bytes) => {
          if (bytes === null) return sendError(res, 404, 'NOT_FOUND', `no file ${name}`);
          res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length });
          res.end(req.method === 'HEAD' ? undefined : bytes);
        },
        (error: Error) => sendError(res, 500, 'IO', error.message),
      );
      return;
    }
    if (req.method !== 'PUT') return sendError(res, 405, 'METHOD', 'GET, HEAD or PUT');
    const createOnly = req.headers['if-none-match'] === '*';
    readBody(req, maxFileBytes)
      .then((bytes) =>
        serialized(name, async () => {
          const old = await existing(name);
          if (old !== null && createOnly) {
            if (sameBytes(old, bytes)) return void res.writeHead(204).end();
            return sendError(res, 412, 'EXISTS', `another file named ${name} is here`);
          }
          const grown = used - (old?.length ?? 0) + bytes.length;
          if (grown > (options.limitBytes ?? Number.POSITIVE_INFINITY))
            return sendError(res, 507, 'FULL', 'no room for the file');
          const tmp = join(dir, `.tmp-${process.pid}-${++tmpSeq}`);
          await writeFile(tmp, bytes);
          await rename(tmp, pathOf(name));
          used = grown;
          res.writeHead(old === null ? 201 : 204).end();
        }),
      )
      .catch((error: Error) => {
        if (error instanceof BodyTooLargeError) sendError(res, 413, 'TOO_LARGE', error.message);
        else sendError(res, 500, 'IO', error.message);
      });
  });

  used = await usedBytes(dir);
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
  );
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Bytes of the files already in `dir` (a restarted server counts what it kept); stray temporaries go. */
async function usedBytes(dir: string): Promise<number> {
  const { readdir } = await import('node:fs/promises');
  let total = 0;
  for (const entry of await readdir(dir)) {
    if (entry.startsWith('.tmp-')) await rm(join(dir, entry), { force: true });
    else if (entry.endsWith('.blob')) total += (await stat(join(dir, entry))).size;
  }
  return total;
}
