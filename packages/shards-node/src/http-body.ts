import type { IncomingMessage, ServerResponse } from 'node:http';

/** A request body larger than the route accepts. */
export class BodyTooLargeError extends Error {
  override name = 'BodyTooLargeError';
  constructor(readonly limit: number) {
    super(`the body is larger than ${limit} bytes`);
  }
}

/** Reads a request body whole, refusing one past `limit` bytes (the rest is not buffered). */
export function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      reject(new BodyTooLargeError(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let length = 0;
    req.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new BodyTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks, length))));
    req.on('error', reject);
  });
}

/** Answers with a JSON value. */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Answers with a typed error: `{ "error": message, "code": code }`. */
export function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { error: message, code });
}

/** The decoded single path segment of a request (`/a%20b` -> `a b`), or null when it does not decode. */
export function pathName(url: string | undefined): string | null {
  const path = (url ?? '/').split('?')[0]!;
  try {
    return decodeURIComponent(path.slice(1));
  } catch {
    return null;
  }
}

/** Prints where a server listens, as one JSON line (what test harnesses wait for). */
export function logListening(
  kind: string,
  url: string,
  port: number,
  extra: Record<string, unknown> = {},
): void {
  process.stdout.write(`${JSON.stringify({ event: 'listening', kind, url, port, ...extra })}\n`);
}
