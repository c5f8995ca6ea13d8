import { waitFor } from '@webraft/core/testing';
import { WebSocket } from 'ws';

/** A bare `ws` client speaking the wire protocol by hand: what a hostile or buggy client can send. */
export interface RawClient {
  ws: WebSocket;
  /** Frames received, parsed. */
  frames: Record<string, unknown>[];
  /** Resolves with the close code and reason. */
  closed: Promise<{ code: number; reason: string }>;
  /** Resolves once the socket is open (rejects on an HTTP refusal, with the status in the message). */
  opened: Promise<void>;
  send(frame: unknown): void;
  /** Waits for a frame matching `match` (a subset of its fields). */
  next(match: Record<string, unknown>, timeoutMs?: number): Promise<Record<string, unknown>>;
  count(match: Record<string, unknown>): number;
}

const matches = (frame: Record<string, unknown>, match: Record<string, unknown>) =>
  Object.entries(match).every(([k, v]) => JSON.stringify(frame[k]) === JSON.stringify(v));

export function rawClient(
  url: string,
  query: { room?: string; node?: string; token?: string },
  options: ConstructorParameters<typeof WebSocket>[2] = {},
): RawClient {
  const params = new URLSearchParams(
    Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined),
  );
  const ws = new WebSocket(`${url}/?${params}`, options);
  const frames: Record<string, unknown>[] = [];
  ws.on('message', (data, isBinary) => {
    if (!isBinary) frames.push(JSON.parse(data.toString()));
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
  opened.catch(() => {});
  return {
    ws,
    frames,
    closed,
    opened,
    send: (frame) => ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame)),
    next: async (match, timeoutMs = 5000) => {
      await waitFor(
        () => frames.some((f) => matches(f, match)),
        timeoutMs,
        `a frame ${JSON.stringify(match)}`,
      );
      return frames.find((f) => matches(f, match))!;
    },
    count: (match) => frames.filter((f) => matches(f, match)).length,
  };
}

/** Connects a raw client and waits for its welcome. */
export async function joined(url: string, room: string, node: string, token?: string): Promise<RawClient> {
  const client = rawClient(url, { room, node, token });
  await client.next({ k: 'welcome' });
  return client;
}
