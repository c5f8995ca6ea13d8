import type { LeaderRecord } from '../types.js';

/** What the feeds of one channel tell each other. */
export type FeedMessage =
  /** The leader is alive, under `token`. */
  | { type: 'heartbeat'; leaderId: string; token: number }
  /** `id` asks for leadership under `token`; the larger (token, id) of rival claims wins. */
  | { type: 'claim'; id: string; token: number }
  /** The current leader names `leaderId` its successor under `token`. */
  | { type: 'handover'; leaderId: string; token: number }
  /** The leader of `token` gave up. */
  | { type: 'resign'; leaderId: string; token: number }
  /**
   * `id`'s claim or leadership under `of` is stale: the sender has heard of `token`, larger than `of`
   * or equal to it when another feed led under `of`.
   */
  | { type: 'stale'; id: string; token: number; of: number };

export function isFeedMessage(data: unknown): data is FeedMessage {
  if (typeof data !== 'object' || data === null) return false;
  const m = data as Record<string, unknown>;
  const id = m.type === 'claim' || m.type === 'stale' ? m.id : m.leaderId;
  return (
    (m.type === 'heartbeat' ||
      m.type === 'claim' ||
      m.type === 'handover' ||
      m.type === 'resign' ||
      m.type === 'stale') &&
    typeof id === 'string' &&
    typeof m.token === 'number' &&
    Number.isSafeInteger(m.token) &&
    m.token > 0 &&
    (m.type !== 'stale' || (Number.isSafeInteger(m.of) && (m.of as number) > 0))
  );
}

/** Whether claim `a` beats claim `b`: the larger token, then the larger id. */
export function outranks(a: { id: string; token: number }, b: { id: string; token: number }): boolean {
  return a.token > b.token || (a.token === b.token && a.id > b.id);
}

export function recordOf(m: { leaderId: string; token: number }): LeaderRecord {
  return { leaderId: m.leaderId, token: m.token };
}
