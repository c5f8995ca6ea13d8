import { MemoryNetwork } from '@webraft/core';
import { MemoryLevel } from 'memory-level';
import { afterEach, describe, expect, it } from 'vitest';
import { auditStore, MAX_CLOCK, type ReplicatedDb, replicate, validateExchange } from '../src/index.js';
import { contents, nextEvent } from './helpers.js';

const record = (over: Record<string, unknown> = {}) => ({
  seq: 1,
  key: 'k',
  clock: 0,
  writer: 'evil',
  timestamp: 1,
  op: 'put',
  value: 'v',
  ...over,
});
const answer = (over: Record<string, unknown> = {}) => ({
  type: 'replicator.records',
  from: 'evil',
  id: 1,
  incarnation: 'i1',
  records: [record()],
  last: 1,
  more: false,
  ...over,
});

describe('validateExchange', () => {
  const refused = (payload: unknown, code = 'INVALID_MESSAGE') =>
    expect(() => validateExchange('evil', 'a', payload)).toThrow(
      expect.objectContaining({ code, peer: 'evil' }),
    );
  it('accepts well-formed messages', () => {
    expect(validateExchange('evil', 'a', answer())).toMatchObject({ type: 'replicator.records' });
    expect(
      validateExchange('evil', 'a', {
        type: 'replicator.pull',
        from: 'evil',
        id: 1,
        since: 0,
        incarnation: '',
        limit: 10,
      }),
    ).toBeTruthy();
  });
  it('refuses wrong shapes', () => {
    refused(null);
    refused([]);
    refused({ type: 'replicator.nope', from: 'evil' });
    refused({ type: 'replicator.pull', from: 'evil', id: 1, since: -1, incarnation: '', limit: 10 });
    refused({ type: 'replicator.pull', from: 'evil', id: 1, since: 0, incarnation: '', limit: 0 });
    refused(answer({ records: 'x' }));
    refused(answer({ more: 1 }));
    refused(answer({ records: [record({ op: 'put', value: undefined })] }));
    refused(answer({ records: [record({ op: 'del' })] }));
    refused(answer({ records: [record({ op: 'upsert' })] }));
    refused(answer({ records: [record({ key: 7 })] }));
    refused(answer({ records: [record({ timestamp: Number.NaN })] }));
    refused(answer({ records: [record({ seq: 2 }), record({ seq: 2, key: 'j' })], last: 2 }));
    refused(answer({ records: [record({ seq: 5 })], last: 4 }));
  });
  it('refuses clocks and sequence numbers past 2^52 (near Number.MAX_SAFE_INTEGER)', () => {
    refused(answer({ records: [record({ clock: Number.MAX_SAFE_INTEGER })] }));
    refused(answer({ records: [record({ clock: MAX_CLOCK + 1 })] }));
    refused(answer({ records: [record({ clock: 1.5 })] }));
    refused(answer({ last: Number.MAX_SAFE_INTEGER }));
  });
  it('refuses a sender naming another peer, or us', () => {
    refused(answer({ from: 'b' }), 'PEER_ID_MISMATCH');
    expect(() => validateExchange('a', 'a', answer({ from: 'a' }))).toThrow(
      expect.objectContaining({ code: 'PEER_ID_MISMATCH' }),
    );
  });
});

describe('a hostile peer on the network', () => {
  let db: ReplicatedDb | undefined;
  afterEach(async () => db?.close());

  /** Replica `a` pulling from `evil`, which answers each pull with `reply(request)`. */
  async function victim(reply: (request: { id: number; since: number }) => unknown) {
    const network = new MemoryNetwork();
    const evil = network.transport('evil');
    await evil.open({
      address: 'evil',
      gotData: (from, payload) => {
        const p = payload as { type: string; id: number; since: number };
        if (p.type === 'replicator.pull') evil.createInstance(from).write(reply(p));
      },
    });
    db = replicate(new MemoryLevel(), {
      id: 'a',
      transport: network.transport('a'),
      peers: ['evil'],
      minIntervalMs: 5,
      maxIntervalMs: 20,
      requestTimeoutMs: 200,
    });
    return { db, network };
  }

  const hostileAnswers: [string, (r: { id: number; since: number }) => unknown, string][] = [
    [
      'a clock near MAX_SAFE_INTEGER',
      (r) => answer({ id: r.id, records: [record({ clock: Number.MAX_SAFE_INTEGER - 1 })] }),
      'INVALID_MESSAGE',
    ],
    ['a record claiming another sender', (r) => answer({ id: r.id, from: 'b' }), 'PEER_ID_MISMATCH'],
    ['a malformed record', (r) => answer({ id: r.id, records: [{ seq: 1 }] }), 'INVALID_MESSAGE'],
    [
      'endless pages without progress',
      (r) => answer({ id: r.id, records: [], last: r.since, more: true }),
      'INVALID_MESSAGE',
    ],
  ];
  for (const [what, reply, code] of hostileAnswers) {
    it(`refuses ${what} with a typed error, changes nothing and keeps serving`, async () => {
      const { db } = await victim(reply);
      const error = nextEvent(db, 'error', (e: { code: string }) => e.code === code);
      await db.put('mine', 1);
      expect(await error).toMatchObject({ code });
      expect(await contents(db)).toEqual([['mine', 1]]);
      expect(await db.store.mark('evil')).toBeUndefined();
      expect(await auditStore(db.store)).toEqual([]);
      await db.put('still', 2);
      expect(await db.get('still')).toBe(2);
    });
  }

  it('ignores an answer to a request it never sent', async () => {
    let sent = false;
    const { db } = await victim((r) => {
      sent = true;
      return answer({ id: r.id + 1000 });
    });
    const timeout = nextEvent(db, 'error', (e: { code: string }) => e.code === 'PEER_TIMEOUT');
    await timeout;
    expect(sent).toBe(true);
    expect(await contents(db)).toEqual([]);
  });
});
