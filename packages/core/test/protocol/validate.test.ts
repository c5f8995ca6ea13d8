import { describe, expect, it } from 'vitest';
import { InvalidMessageError } from '../../src/errors.js';
import { MESSAGE_TYPES, type Message, type MessageType } from '../../src/protocol/types.js';
import {
  configProblem,
  DEFAULT_MESSAGE_LIMITS,
  type MessageLimits,
  validateMessage,
} from '../../src/protocol/validate.js';
import { MAX_JSON_DEPTH, measureJson, Rejection } from '../../src/protocol/validate-json.js';
import { seededRandom } from '../../src/runtime/clock.js';

type Loose = Record<string, unknown>;

const EXPECTED = { from: 'a', to: 'b' };
const MAX = Number.MAX_SAFE_INTEGER;

/** One well-formed message per kind, fresh on every call. */
function sample(type: MessageType): Loose {
  const base = { from: 'a', to: 'b', term: 5 };
  switch (type) {
    case 'append':
      return {
        type,
        ...base,
        index: 10,
        logTerm: 4,
        commit: 9,
        entries: [
          {
            index: 11,
            term: 4,
            kind: 'command',
            data: { op: 'set', key: 'x', value: [1, 2.5, { z: null }] },
            client: 'c1',
            seq: 3,
          },
          { index: 12, term: 5, kind: 'noop' },
          { index: 13, term: 5, kind: 'config', data: { voters: ['a', 'b', 'c'], learners: ['d'] } },
        ],
      };
    case 'appendResponse':
      return { type, ...base, index: 13, reject: false, hintIndex: 0, hintTerm: 0 };
    case 'heartbeat':
      return { type, ...base, commit: 12, context: 'r1' };
    case 'heartbeatResponse':
      return { type, ...base, context: 'r1' };
    case 'vote':
      return { type, ...base, preVote: true, index: 13, logTerm: 5, transfer: true };
    case 'voteResponse':
      return { type, ...base, preVote: false, reject: true };
    case 'snapshot':
      return {
        type,
        ...base,
        meta: { index: 100, term: 4, config: { voters: ['a', 'b'], learners: [] } },
        offset: 0,
        data: '{"kv":{}}',
        done: true,
      };
    case 'snapshotResponse':
      return { type, ...base, index: 100, offset: 9, reject: false };
    case 'timeoutNow':
      return { type, ...base };
    case 'propose':
      return {
        type,
        ...base,
        entries: [
          { kind: 'command', data: 'x', client: 'c2', seq: 0 },
          { kind: 'config', data: { voters: ['a'], learners: ['b'] } },
        ],
      };
    case 'proposeRefused':
      return {
        type,
        ...base,
        client: 'c2',
        seqs: [3, 4],
        code: 'TRANSFERRING',
        reason: 'a transfer is under way',
      };
    case 'readIndex':
      return { type, ...base, context: 'r2' };
    case 'readIndexResponse':
      return { type, ...base, context: 'r2', index: 12 };
  }
}

const TYPES: readonly MessageType[] = MESSAGE_TYPES;

const DELETE = Symbol('delete');

/** A fresh sample of `type` with the value at `path` (dot separated) replaced, or deleted. */
function mutated(type: MessageType, path: string, value: unknown): Loose {
  const message = sample(type);
  const keys = path.split('.');
  let at: Loose = message;
  for (const key of keys.slice(0, -1)) at = at[key] as Loose;
  const last = keys[keys.length - 1]!;
  if (value === DELETE) delete at[last];
  else Object.defineProperty(at, last, { value, enumerable: true, writable: true, configurable: true });
  return message;
}

function reasonOf(payload: unknown, limits: MessageLimits = DEFAULT_MESSAGE_LIMITS): string {
  let error: unknown;
  try {
    validateMessage(payload, EXPECTED, limits);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(InvalidMessageError);
  expect((error as InvalidMessageError).from).toBe('a');
  return (error as InvalidMessageError).message;
}

function nest(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = { n: value };
  return value;
}

const SMALL: MessageLimits = {
  maxEntriesPerMessage: 2,
  maxPayloadChars: 2_000,
  maxSnapshotChunkChars: 10,
  maxIdLength: 4,
  maxContextLength: 4,
};

describe('validateMessage accepts well-formed messages', () => {
  it.each(TYPES)('%s', (type) => {
    const payload = sample(type);
    const message = validateMessage(payload, EXPECTED);
    expect(message).toEqual(payload);
    expect(message).not.toBe(payload);
    expect(validateMessage(message, EXPECTED)).toEqual(message);
  });

  it('accepts optional fields left out', () => {
    expect(validateMessage(mutated('heartbeat', 'context', DELETE), EXPECTED)).not.toHaveProperty('context');
    expect(validateMessage(mutated('vote', 'transfer', DELETE), EXPECTED)).not.toHaveProperty('transfer');
    expect(validateMessage(mutated('append', 'entries', []), EXPECTED)).toMatchObject({ entries: [] });
    const entry = (validateMessage(sample('append'), EXPECTED) as unknown as { entries: Loose[] })
      .entries[1]!;
    expect(Object.keys(entry)).toEqual(['index', 'term', 'kind']);
  });

  it('accepts an acknowledgement without hints, and keeps none', () => {
    const ack = sample('appendResponse');
    delete ack.hintIndex;
    delete ack.hintTerm;
    const message = validateMessage(ack, EXPECTED);
    expect(message).toEqual(ack);
    expect(Object.keys(message)).toEqual(['type', 'from', 'to', 'term', 'index', 'reject']);
  });

  it('accepts the boundaries', () => {
    expect(validateMessage(mutated('timeoutNow', 'term', MAX - 1), EXPECTED).term).toBe(MAX - 1);
    expect(validateMessage(mutated('readIndexResponse', 'index', -1), EXPECTED)).toMatchObject({ index: -1 });
    expect(validateMessage(mutated('heartbeat', 'commit', MAX), EXPECTED)).toMatchObject({ commit: MAX });
    expect(
      validateMessage(mutated('append', 'entries.0.data', nest(MAX_JSON_DEPTH - 1)), EXPECTED),
    ).toBeTruthy();
    expect(validateMessage(mutated('snapshot', 'data', 'x'.repeat(10)), EXPECTED, SMALL)).toBeTruthy();
    const append = sample('append');
    append.commit = 10_000; // beyond the entries: the receiver bounds it
    expect(validateMessage(append, EXPECTED)).toMatchObject({ commit: 10_000 });
  });

  it('checks and keeps the optional sentAt heartbeat stamp', () => {
    expect(validateMessage(mutated('heartbeat', 'sentAt', 12.5), EXPECTED)).toMatchObject({ sentAt: 12.5 });
    expect(validateMessage(mutated('heartbeatResponse', 'sentAt', 7), EXPECTED)).toMatchObject({ sentAt: 7 });
    expect(reasonOf(mutated('heartbeat', 'sentAt', Number.NaN))).toContain('heartbeat.sentAt');
    expect(reasonOf(mutated('heartbeatResponse', 'sentAt', '1'))).toContain('heartbeatResponse.sentAt');
  });

  it('never underestimates the serialized size, even with every number at its longest', () => {
    const big: Loose = {
      type: 'append',
      from: 'a',
      to: 'b',
      term: MAX - 1,
      index: MAX - 10,
      logTerm: MAX - 1,
      commit: MAX,
      entries: [
        {
          index: MAX - 9,
          term: MAX - 1,
          kind: 'command',
          data: -1.234567890123456e-300,
          client: 'c',
          seq: MAX,
        },
      ],
    };
    const withSentAt = mutated('heartbeat', 'sentAt', 1.234567890123456e300);
    withSentAt.commit = MAX;
    for (const payload of [...TYPES.map(sample), big, withSentAt]) {
      // The smallest maxPayloadChars that still accepts the message is the validator's estimate.
      let low = 1;
      let high = 1_000_000;
      while (low < high) {
        const mid = Math.floor((low + high) / 2);
        try {
          validateMessage(payload, EXPECTED, { ...DEFAULT_MESSAGE_LIMITS, maxPayloadChars: mid });
          high = mid;
        } catch {
          low = mid + 1;
        }
      }
      const exact = JSON.stringify(payload).length;
      expect(low, String(payload.type)).toBeGreaterThanOrEqual(exact);
      expect(low, String(payload.type)).toBeLessThan(exact + 600);
    }
  });

  it('returns fresh objects without unknown or prototype-polluting keys', () => {
    const payload = JSON.parse(
      '{"type":"append","from":"a","to":"b","term":5,"index":0,"logTerm":0,"commit":0,"extra":1,' +
        '"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},' +
        '"entries":[{"index":1,"term":1,"kind":"command","data":{"__proto__":{"x":1}},"__proto__":{"polluted":true}}]}',
    );
    const message = validateMessage(payload, EXPECTED) as unknown as Loose & { entries: Loose[] };
    expect(Object.keys(message)).toEqual([
      'type',
      'from',
      'to',
      'term',
      'index',
      'logTerm',
      'entries',
      'commit',
    ]);
    expect(Object.getPrototypeOf(message)).toBe(Object.prototype);
    expect(Object.hasOwn(message.entries[0]!, '__proto__')).toBe(false);
    expect(Object.getPrototypeOf(message.entries[0])).toBe(Object.prototype);
    expect(({} as Loose).polluted).toBeUndefined();
  });

  it('reads each field once, so a getter cannot show the checks one value and the protocol another', () => {
    let reads = 0;
    const payload = sample('heartbeat');
    Object.defineProperty(payload, 'commit', { enumerable: true, get: () => (reads++ === 0 ? 3 : -1) });
    const message = validateMessage(payload, EXPECTED);
    expect(message).toMatchObject({ commit: 3 });
    expect(reads).toBe(1);
  });

  it('never consults a hostile array constructor', () => {
    const payload = sample('append');
    let called = false;
    Object.defineProperty(payload.entries, 'constructor', {
      value: function Evil() {
        called = true;
      },
    });
    expect(validateMessage(payload, EXPECTED)).toBeTruthy();
    expect(called).toBe(false);
  });
});

describe('validateMessage refuses', () => {
  const revoked = Proxy.revocable({}, {});
  revoked.revoke();
  const throwing = new Proxy(
    {},
    {
      get() {
        throw new Error('boom');
      },
    },
  );
  const cyclic: Loose = { a: 1 };
  cyclic.self = cyclic;
  const hugeLength = new Proxy([], {
    get: (target, key) => (key === 'length' ? 1e12 : Reflect.get(target, key)),
  });

  // [what, payload, a part of the reason, limits]
  const cases: [string, () => unknown, string, MessageLimits?][] = [
    ['null', () => null, 'payload must be a plain object, got null'],
    ['a number', () => 42, 'payload must be a plain object'],
    ['a string', () => 'append', 'payload must be a plain object'],
    ['an array', () => [sample('append')], 'payload must be a plain object, got an array'],
    ['a class instance', () => new Date(), 'payload must be a plain object'],
    ['a revoked proxy', () => revoked.proxy, 'could not be read'],
    ['a proxy whose get throws', () => throwing, 'could not be read'],
    ['an unknown type', () => mutated('append', 'type', 'appendz'), 'unknown message type "appendz"'],
    ['a missing type', () => mutated('append', 'type', DELETE), 'unknown message type'],
    ['type toString', () => mutated('append', 'type', 'toString'), 'unknown message type'],
    ['type __proto__', () => mutated('append', 'type', '__proto__'), 'unknown message type'],
    ['a forged sender', () => mutated('vote', 'from', 'c'), 'vote.from must be "a"'],
    ['a missing sender', () => mutated('vote', 'from', DELETE), 'vote.from'],
    ['another recipient', () => mutated('vote', 'to', 'c'), 'vote.to must be "b"'],
    ['a negative term', () => mutated('voteResponse', 'term', -1), 'voteResponse.term'],
    ['a float term', () => mutated('voteResponse', 'term', 1.5), 'voteResponse.term'],
    ['a NaN term', () => mutated('voteResponse', 'term', Number.NaN), 'voteResponse.term'],
    [
      'an infinite term',
      () => mutated('voteResponse', 'term', Number.POSITIVE_INFINITY),
      'voteResponse.term',
    ],
    ['a term of 2^53', () => mutated('voteResponse', 'term', MAX + 1), 'voteResponse.term'],
    ['a term without a safe successor', () => mutated('voteResponse', 'term', MAX), 'term + 1 stays safe'],
    ['a string term', () => mutated('voteResponse', 'term', '5'), 'voteResponse.term'],
    [
      'a throwing getter',
      () =>
        Object.defineProperty(sample('vote'), 'term', {
          get: () => {
            throw new Error('x');
          },
        }),
      'could not be read',
    ],
    // append
    ['append.index -1', () => mutated('append', 'index', -1), 'append.index'],
    ['append.logTerm > term', () => mutated('append', 'logTerm', 6), 'append.logTerm must be <= append.term'],
    ['append.commit float', () => mutated('append', 'commit', 0.5), 'append.commit'],
    ['append.commit negative', () => mutated('append', 'commit', -1), 'append.commit'],
    ['append.entries missing', () => mutated('append', 'entries', DELETE), 'append.entries must be an array'],
    [
      'append.entries an object',
      () => mutated('append', 'entries', { 0: {} }),
      'append.entries must be an array',
    ],
    ['too many entries', () => sample('append'), 'append.entries must hold at most 2', SMALL],
    [
      'a proxy array of length 1e12',
      () => mutated('append', 'entries', hugeLength),
      'append.entries must hold at most',
    ],
    [
      'an entry that is null',
      () => mutated('append', 'entries.1', null),
      'append.entries[1] must be an object',
    ],
    [
      'an entry that is an array',
      () => mutated('append', 'entries.1', []),
      'append.entries[1] must be an object',
    ],
    [
      'a gap in indexes',
      () => mutated('append', 'entries.1.index', 13),
      'append.entries[1].index must be 12 (consecutive after index 11)',
    ],
    [
      'a repeated index',
      () => mutated('append', 'entries.2.index', 12),
      'append.entries[2].index must be 13',
    ],
    [
      'an index of 2^53',
      () => mutated('append', 'entries.0.index', MAX + 1),
      'append.entries[0].index must be a non-negative',
    ],
    [
      'an entry term below logTerm',
      () => mutated('append', 'entries.0.term', 3),
      'append.entries[0].term must be >= append.logTerm',
    ],
    [
      'decreasing entry terms',
      () => mutated('append', 'entries.1.term', 3),
      'append.entries[1].term must be >= append.entries[0].term',
    ],
    [
      'an entry term above the leader term',
      () => mutated('append', 'entries.2.term', 6),
      'append.entries[2].term must be <= append.term',
    ],
    [
      'an entry term that is NaN',
      () => mutated('append', 'entries.0.term', Number.NaN),
      'append.entries[0].term',
    ],
    ['an unknown kind', () => mutated('append', 'entries.0.kind', 'cmd'), 'append.entries[0].kind'],
    ['a numeric client', () => mutated('append', 'entries.0.client', 7), 'append.entries[0].client'],
    ['a null client', () => mutated('append', 'entries.0.client', null), 'append.entries[0].client'],
    [
      'a long client',
      () => mutated('append', 'entries.0.client', 'x'.repeat(257)),
      'append.entries[0].client',
    ],
    ['a negative seq', () => mutated('append', 'entries.0.seq', -1), 'append.entries[0].seq'],
    ['a float seq', () => mutated('append', 'entries.0.seq', 1.5), 'append.entries[0].seq'],
    // config entries
    [
      'a config without data',
      () => mutated('append', 'entries.2.data', DELETE),
      'append.entries[2].data must be a cluster configuration',
    ],
    [
      'a config that is an array',
      () => mutated('append', 'entries.2.data', ['a']),
      'append.entries[2].data must be',
    ],
    [
      'a config without voters',
      () => mutated('append', 'entries.2.data.voters', []),
      'append.entries[2].data.voters must name at least one voter',
    ],
    [
      'a config without learners',
      () => mutated('append', 'entries.2.data.learners', DELETE),
      'append.entries[2].data.learners must be an array',
    ],
    [
      'a repeated voter',
      () => mutated('append', 'entries.2.data.voters', ['a', 'b', 'a']),
      'append.entries[2].data.voters[2] "a" is repeated',
    ],
    [
      'a voter also learner',
      () => mutated('append', 'entries.2.data.learners', ['b']),
      'append.entries[2].data.learners[0] "b"',
    ],
    [
      'a repeated learner',
      () => mutated('append', 'entries.2.data.learners', ['d', 'd']),
      'append.entries[2].data.learners[1]',
    ],
    [
      'an empty id',
      () => mutated('append', 'entries.2.data.voters', ['']),
      'append.entries[2].data.voters[0] is empty (not a node address)',
    ],
    [
      'an id with white space at an end',
      () => mutated('append', 'entries.2.data.voters', ['a', 'b ']),
      'append.entries[2].data.voters[1] begins or ends with white space',
    ],
    [
      'an id that is only white space',
      () => mutated('append', 'entries.2.data.learners', ['  ']),
      'append.entries[2].data.learners[0] begins or ends with white space',
    ],
    [
      'an id with a control character',
      () => mutated('snapshot', 'meta.config.voters', ['a\u0000b']),
      'snapshot.meta.config.voters[0] holds a control character (U+0000)',
    ],
    [
      'a client id with white space at an end',
      () => mutated('append', 'entries.0.client', ' c1'),
      'append.entries[0].client begins or ends with white space',
    ],
    [
      'an empty client id in a refusal',
      () => mutated('proposeRefused', 'client', ''),
      'proposeRefused.client is empty',
    ],
    [
      'a numeric id',
      () => mutated('append', 'entries.2.data.learners', [1]),
      'append.entries[2].data.learners[0]',
    ],
    [
      'a long id',
      () => mutated('append', 'entries.2.data.voters', ['x'.repeat(257)]),
      'append.entries[2].data.voters[0]',
    ],
    // data must be JSON
    [
      'a function in data',
      () => mutated('append', 'entries.0.data', { fn: () => 1 }),
      'append.entries[0].data.fn is a function',
    ],
    [
      'a symbol in data',
      () => mutated('append', 'entries.0.data', [Symbol('s')]),
      'append.entries[0].data[0] is a symbol',
    ],
    [
      'a bigint in data',
      () => mutated('append', 'entries.0.data', 10n),
      'append.entries[0].data is a bigint',
    ],
    [
      'NaN in data',
      () => mutated('append', 'entries.0.data', { a: [1, Number.NaN] }),
      'append.entries[0].data.a[1] is NaN',
    ],
    [
      'Infinity in data',
      () => mutated('append', 'entries.0.data', Number.NEGATIVE_INFINITY),
      'data is -Infinity',
    ],
    [
      'undefined in a data array',
      () => mutated('append', 'entries.0.data', [1, undefined]),
      'data[1] is undefined',
    ],
    [
      'a hole in a data array',
      () => mutated('append', 'entries.0.data', new Array(3)),
      'data[0] is undefined',
    ],
    [
      'a Date in data',
      () => mutated('append', 'entries.0.data', { when: new Date(0) }),
      'data.when is not a plain object',
    ],
    ['a Map in data', () => mutated('append', 'entries.0.data', new Map()), 'data is not a plain object'],
    [
      'a cycle in data',
      () => mutated('append', 'entries.0.data', cyclic),
      'append.entries[0].data.self.self',
    ],
    [
      'deep data',
      () => mutated('append', 'entries.0.data', nest(MAX_JSON_DEPTH + 1)),
      'nested deeper than 64',
    ],
    [
      'a throwing getter in data',
      () =>
        mutated('propose', 'entries.0.data', {
          get x() {
            throw new Error('x');
          },
        }),
      'propose.entries[0].data.x could not be read',
    ],
    [
      'a revoked proxy in data',
      () => mutated('propose', 'entries.0.data', { p: revoked.proxy }),
      'propose.entries[0].data.p could not be read',
    ],
    [
      'data over the size limit',
      () => mutated('append', 'entries.0.data', 'x'.repeat(8 * 1024 * 1024)),
      'size limit',
    ],
    [
      'many entries over the size limit',
      () => {
        const m = sample('propose');
        m.entries = Array.from({ length: 30 }, () => ({ kind: 'command', data: 'x'.repeat(100) }));
        return m;
      },
      'propose.entries[',
      { ...SMALL, maxEntriesPerMessage: 100 },
    ],
    [
      'a huge data array',
      () => mutated('propose', 'entries.0.data', new Array(1e7)),
      'propose.entries[0].data pushes the message over the size limit',
    ],
    // appendResponse
    [
      'appendResponse.reject as a string',
      () => mutated('appendResponse', 'reject', 'false'),
      'appendResponse.reject must be a boolean',
    ],
    ['appendResponse.index negative', () => mutated('appendResponse', 'index', -3), 'appendResponse.index'],
    [
      'appendResponse.hintIndex float',
      () => mutated('appendResponse', 'hintIndex', 1.25),
      'appendResponse.hintIndex',
    ],
    [
      'appendResponse.hintTerm 2^53',
      () => mutated('appendResponse', 'hintTerm', MAX + 1),
      'appendResponse.hintTerm',
    ],
    [
      'a rejection without hints',
      () => {
        const m = mutated('appendResponse', 'reject', true);
        delete m.hintIndex;
        delete m.hintTerm;
        return m;
      },
      'appendResponse.hintIndex',
    ],
    [
      'an acknowledgement with half the hints',
      () => mutated('appendResponse', 'hintIndex', DELETE),
      'appendResponse.hintIndex',
    ],
    // heartbeats
    ['heartbeat.commit missing', () => mutated('heartbeat', 'commit', DELETE), 'heartbeat.commit'],
    ['heartbeat.context a number', () => mutated('heartbeat', 'context', 1), 'heartbeat.context'],
    [
      'heartbeat.context too long',
      () => mutated('heartbeat', 'context', 'x'.repeat(257)),
      'heartbeat.context must be a string of at most 256',
    ],
    [
      'heartbeatResponse.context null',
      () => mutated('heartbeatResponse', 'context', null),
      'heartbeatResponse.context',
    ],
    // votes
    ['vote.preVote missing', () => mutated('vote', 'preVote', DELETE), 'vote.preVote must be a boolean'],
    ['vote.transfer a string', () => mutated('vote', 'transfer', 'yes'), 'vote.transfer must be a boolean'],
    ['vote.index negative', () => mutated('vote', 'index', -1), 'vote.index'],
    ['vote.logTerm above term', () => mutated('vote', 'logTerm', 6), 'vote.logTerm must be <= vote.term'],
    ['voteResponse.reject a number', () => mutated('voteResponse', 'reject', 0), 'voteResponse.reject'],
    [
      'voteResponse.preVote missing',
      () => mutated('voteResponse', 'preVote', DELETE),
      'voteResponse.preVote',
    ],
    // snapshots
    ['snapshot.meta missing', () => mutated('snapshot', 'meta', DELETE), 'snapshot.meta must be an object'],
    ['snapshot.meta.index negative', () => mutated('snapshot', 'meta.index', -1), 'snapshot.meta.index'],
    [
      'snapshot.meta.term above term',
      () => mutated('snapshot', 'meta.term', 6),
      'snapshot.meta.term must be <= snapshot.term',
    ],
    [
      'snapshot.meta.config without voters',
      () => mutated('snapshot', 'meta.config.voters', []),
      'snapshot.meta.config.voters',
    ],
    [
      'snapshot.meta.config missing',
      () => mutated('snapshot', 'meta.config', DELETE),
      'snapshot.meta.config must be',
    ],
    ['snapshot.offset negative', () => mutated('snapshot', 'offset', -1), 'snapshot.offset'],
    [
      'snapshot.data an object',
      () => mutated('snapshot', 'data', { kv: {} }),
      'snapshot.data must be a string',
    ],
    [
      'snapshot.data too long',
      () => mutated('snapshot', 'data', 'x'.repeat(11)),
      'snapshot.data must be a string of at most 10',
      SMALL,
    ],
    ['snapshot.done missing', () => mutated('snapshot', 'done', DELETE), 'snapshot.done'],
    [
      'snapshotResponse.index float',
      () => mutated('snapshotResponse', 'index', 0.1),
      'snapshotResponse.index',
    ],
    [
      'snapshotResponse.offset NaN',
      () => mutated('snapshotResponse', 'offset', Number.NaN),
      'snapshotResponse.offset',
    ],
    [
      'snapshotResponse.reject null',
      () => mutated('snapshotResponse', 'reject', null),
      'snapshotResponse.reject',
    ],
    // proposals
    [
      'propose.entries a string',
      () => mutated('propose', 'entries', 'x'),
      'propose.entries must be an array',
    ],
    [
      'propose.entries too many',
      () => mutated('propose', 'entries', [{ kind: 'noop' }, { kind: 'noop' }, { kind: 'noop' }]),
      'propose.entries must hold at most 2',
      SMALL,
    ],
    [
      'propose.entries[1].kind',
      () => mutated('propose', 'entries.1.kind', 'snapshot'),
      'propose.entries[1].kind',
    ],
    [
      'a proposed config with an overlap',
      () => mutated('propose', 'entries.1.data.learners', ['a']),
      'propose.entries[1].data.learners[0]',
    ],
    [
      'a proposed seq of Infinity',
      () => mutated('propose', 'entries.0.seq', Number.POSITIVE_INFINITY),
      'propose.entries[0].seq',
    ],
    // reads
    [
      'readIndex.context missing',
      () => mutated('readIndex', 'context', DELETE),
      'readIndex.context must be a string',
    ],
    [
      'readIndex.context too long',
      () => mutated('readIndex', 'context', 'xxxxx'),
      'readIndex.context',
      SMALL,
    ],
    [
      'readIndexResponse.index -2',
      () => mutated('readIndexResponse', 'index', -2),
      'readIndexResponse.index must be a safe integer >= -1',
    ],
    [
      'readIndexResponse.context missing',
      () => mutated('readIndexResponse', 'context', DELETE),
      'readIndexResponse.context',
    ],
    [
      'an oversized message',
      () => mutated('readIndex', 'context', 'x'.repeat(4)),
      'size limit',
      { ...SMALL, maxPayloadChars: 100 },
    ],
  ];

  it.each(cases)('%s', (_what, make, field, limits) => {
    expect(reasonOf(make(), limits)).toContain(field);
  });
});

describe('measureJson', () => {
  it('estimates the serialized length from above, within a little', () => {
    for (const value of [
      null,
      true,
      false,
      0,
      -12,
      1.5e-7,
      'héllo',
      [],
      {},
      [1, [2, [3]]],
      { a: 1, bb: [null, 'x'] },
      sample('append'),
    ]) {
      const exact = JSON.stringify(value).length;
      const estimate = measureJson(value, 1e6);
      expect(estimate).toBeGreaterThanOrEqual(exact);
      expect(estimate).toBeLessThanOrEqual(exact + 20);
    }
  });

  it('skips undefined object properties, as JSON does', () => {
    expect(measureJson({ a: undefined }, 100)).toBe(2);
  });

  it('stops at the budget, and throws only Rejections', () => {
    expect(() => measureJson('x'.repeat(100), 50)).toThrow();
    for (const value of [
      () => 1,
      Symbol('s'),
      1n,
      new Proxy(
        {},
        {
          getPrototypeOf: () => {
            throw 1;
          },
        },
      ),
    ]) {
      let error: unknown;
      try {
        measureJson({ v: value }, 1000);
      } catch (e) {
        error = e;
      }
      expect(Rejection.is(error)).toBe(true);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Hostile payloads: mutations of the valid samples. Each must be accepted as a message that
// validates again, or refused with an InvalidMessageError; nothing else may escape.

const FUZZ_LIMITS: MessageLimits = {
  maxEntriesPerMessage: 50,
  maxPayloadChars: 100_000,
  maxSnapshotChunkChars: 20_000,
  maxIdLength: 64,
  maxContextLength: 64,
};
const HUGE = 'x'.repeat(200_000);
const BASE_SEED = 0x5eed;
const CASES = 5_000;

type Rng = () => number;
const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;

function thrower(rng: Rng): unknown {
  // What a getter or trap throws can itself be hostile.
  const poisoned = new Proxy(
    {},
    {
      getPrototypeOf() {
        throw new Error('poisoned');
      },
    },
  );
  return pick(rng, [new Error('getter'), null, undefined, 'text', poisoned, Symbol('thrown')]);
}

const isObject = (v: unknown): v is object => typeof v === 'object' && v !== null;

function throwingGetter(thrown: unknown): object {
  return Object.defineProperty({}, 'x', {
    enumerable: true,
    get() {
      throw thrown;
    },
  });
}

function revokedProxy(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

function cyclic(rng: Rng): Loose {
  const o: Loose = { a: 1 };
  o.b = rng() < 0.5 ? o : [o];
  return o;
}

/** A proxy of the original whose chosen trap always throws (deterministic, so fine inside data too). */
function trappedProxy(rng: Rng, original: unknown): object {
  const thrown = thrower(rng);
  const trap = pick(rng, ['get', 'ownKeys', 'getPrototypeOf', 'has', 'getOwnPropertyDescriptor'] as const);
  return new Proxy(isObject(original) ? original : {}, {
    [trap]() {
      throw thrown;
    },
  });
}

/** Values to put somewhere: hostile most of the time, plausible sometimes (so acceptance is exercised too). */
const HOSTILE: ((rng: Rng, original: unknown) => unknown)[] = [
  () => -1,
  () => Number.NaN,
  () => Number.POSITIVE_INFINITY,
  () => Number.NEGATIVE_INFINITY,
  () => MAX + 1,
  () => MAX,
  () => 1.5,
  () => -0,
  () => 1e308,
  () => '',
  () => HUGE,
  (rng) => 'y'.repeat(Math.floor(rng() * 100)),
  () => null,
  () => undefined,
  (rng) => rng() < 0.5,
  () => [],
  () => ({}),
  () => Symbol('s'),
  () => () => 1,
  () => 10n,
  (rng) => nest(Math.floor(rng() * 100)),
  (rng) => cyclic(rng),
  (rng) => throwingGetter(thrower(rng)),
  () => new Date(0),
  () => new Map([[1, 2]]),
  () => new Uint8Array(3),
  () => Object.assign(Object.create(null), { voters: ['a'], learners: [] }),
  (rng, original) => trappedProxy(rng, original),
  () => revokedProxy(),
  // A transparent proxy: accepted wherever the original was.
  (_rng, original) => (isObject(original) ? new Proxy(original, {}) : original),
  (rng) => new Array(Math.floor(rng() * 10)),
  () => Array.from({ length: 2000 }, (_, i) => i),
  () => new Proxy([], { get: (_t, k) => (k === 'length' ? 1e12 : k === 'constructor' ? Array : HUGE) }),
  (_rng, original) => (Array.isArray(original) ? original : [original]),
  () => JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}'),
  (rng) => sample(pick(rng, TYPES)),
  (rng) => pick(rng, ['command', 'noop', 'config', 'a', 'b', 'c', 'append', 'vote']),
  (rng) => ({
    voters: pick(rng, [['a'], ['a', 'a'], [], ['a', 'b']]),
    learners: pick(rng, [[], ['a'], ['c']]),
  }),
  // Plausible indexes and terms, and off-by-one neighbours of the original.
  (rng) => Math.floor(rng() * 20),
  (rng) => Math.floor(rng() * 20),
  (rng, original) => (typeof original === 'number' ? original + pick(rng, [-1, 1]) : original),
  () => ({ toJSON: () => 'x' }),
  (_rng, original) => structuredCloneSafe(original),
];

function hostileValue(rng: Rng, original: unknown): unknown {
  return pick(rng, HOSTILE)(rng, original);
}

function structuredCloneSafe(value: unknown): unknown {
  try {
    return structuredClone(value);
  } catch {
    return value;
  }
}

interface Slot {
  holder: Loose;
  /** Inside entry data (kept by reference): only deterministic hostility goes there. */
  inData: boolean;
}

/** Every object or array reachable from the payload (bounded), with whether it sits inside `data`. */
function slots(payload: Loose): Slot[] {
  const out: Slot[] = [];
  const visit = (value: unknown, inData: boolean, depth: number) => {
    if (typeof value !== 'object' || value === null || depth > 6 || out.length > 64) return;
    out.push({ holder: value as Loose, inData });
    for (const key of Object.keys(value)) visit((value as Loose)[key], inData || key === 'data', depth + 1);
  };
  visit(payload, false, 0);
  return out;
}

const EXTRA_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'extra',
  'length',
  '0',
  '3',
];

function mutate(rng: Rng, payload: Loose): void {
  const { holder, inData } = pick(rng, slots(payload));
  const keys = Object.keys(holder);
  const key = keys.length > 0 && rng() < 0.8 ? pick(rng, keys) : pick(rng, EXTRA_KEYS);
  // Own values only: an inherited one would be a built-in prototype, and mutating it would pollute the test itself.
  const original = Object.hasOwn(holder, key) ? holder[key] : undefined;
  const op = rng();
  if (op < 0.1) {
    delete holder[key];
  } else if (op < 0.2) {
    const t = thrower(rng);
    Object.defineProperty(holder, key, {
      enumerable: true,
      configurable: true,
      get() {
        throw t;
      },
    });
  } else if (op < 0.28 && !inData) {
    // A getter that answers differently every time: the validator must read it once.
    let flip = false;
    const other = hostileValue(rng, original);
    Object.defineProperty(holder, key, {
      enumerable: true,
      configurable: true,
      get() {
        flip = !flip;
        return flip ? original : other;
      },
    });
  } else {
    // Every proxy and getter hostileValue makes behaves the same on each call, so it may go into data too.
    const value = hostileValue(rng, original);
    Object.defineProperty(holder, key, { value, enumerable: true, configurable: true, writable: true });
  }
}

function hostilePayload(rng: Rng): unknown {
  const payload = sample(pick(rng, TYPES));
  const r = rng();
  if (r < 0.02) return [payload];
  if (r < 0.04) return hostileValue(rng, payload);
  if (r < 0.06) return new Proxy(payload, {});
  const mutations = 1 + Math.floor(rng() * 3);
  for (let i = 0; i < mutations; i++) {
    try {
      mutate(rng, payload);
    } catch {
      // Some mutations are impossible (redefining an array's length): skip them.
    }
  }
  return payload;
}

/** instanceof on what escaped might itself throw (a Proxy whose prototype lookup throws). */
function isInvalidMessageError(e: unknown): boolean {
  try {
    return e instanceof InvalidMessageError;
  } catch {
    return false;
  }
}

function describeThrown(e: unknown): string {
  try {
    return e instanceof Error ? `${e.name}: ${e.message}` : `a thrown ${typeof e}`;
  } catch {
    return 'an unprintable throw';
  }
}

const STRUCTURE_KEYS = ['__proto__', 'constructor', 'prototype'];
function hasPollutingKeys(message: Message): boolean {
  const holders: object[] = [message];
  if ('entries' in message) holders.push(...message.entries);
  if (message.type === 'snapshot') holders.push(message.meta, message.meta.config);
  return holders.some(
    (h) => Object.getPrototypeOf(h) !== Object.prototype || STRUCTURE_KEYS.some((k) => Object.hasOwn(h, k)),
  );
}

describe('hostile payloads', () => {
  it(`${CASES} seeded mutations either validate or throw InvalidMessageError`, () => {
    const failures: string[] = [];
    let accepted = 0;
    for (let k = 0; k < CASES; k++) {
      const seed = BASE_SEED + k;
      const payload = hostilePayload(seededRandom(seed));
      let message: Message;
      try {
        message = validateMessage(payload, EXPECTED, FUZZ_LIMITS);
      } catch (e) {
        if (!isInvalidMessageError(e)) failures.push(`seed ${seed}: threw ${describeThrown(e)}`);
        continue;
      }
      accepted++;
      try {
        const again = validateMessage(message, EXPECTED, FUZZ_LIMITS);
        if (JSON.stringify(again) !== JSON.stringify(message))
          failures.push(`seed ${seed}: re-validation changed it`);
        if (hasPollutingKeys(message))
          failures.push(`seed ${seed}: the result has a prototype or polluting key`);
        if (JSON.stringify(message).length > FUZZ_LIMITS.maxPayloadChars) {
          failures.push(`seed ${seed}: the size estimate let a message over maxPayloadChars through`);
        }
      } catch (e) {
        failures.push(`seed ${seed}: the accepted message failed re-validation: ${describeThrown(e)}`);
      }
    }
    expect(failures).toEqual([]);
    // Both outcomes must be exercised, or the generator is too tame (or too wild) to mean anything.
    expect(accepted).toBeGreaterThan(CASES / 20);
    expect(accepted).toBeLessThan(CASES - CASES / 20);
    expect(({} as Loose).polluted).toBeUndefined();
  });
});

describe('the sender the transport names', () => {
  it('must be a valid node address, like every id in a message', () => {
    for (const from of ['', ' a', 'a\n', 'x'.repeat(DEFAULT_MESSAGE_LIMITS.maxIdLength + 1)]) {
      const message = { ...sample('timeoutNow'), from };
      expect(() => validateMessage(message, { from, to: 'b' })).toThrow(/the sender's address/);
    }
    expect(validateMessage({ ...sample('timeoutNow'), from: 'tab:3' }, { from: 'tab:3', to: 'b' }).from).toBe(
      'tab:3',
    );
  });
});

describe('configProblem (the leader checks a change as its followers will)', () => {
  it('accepts what a follower accepts, and names what it refuses', () => {
    expect(configProblem({ voters: ['a', 'b'], learners: ['c'], base: 7 })).toBeNull();
    expect(configProblem({ voters: [], learners: ['c'] })).toMatch(/at least one voter/);
    expect(configProblem({ voters: ['a', ''], learners: [] })).toMatch(/voters\[1\] is empty/);
    expect(configProblem({ voters: ['a'], learners: ['  '] })).toMatch(/white space/);
    expect(configProblem({ voters: ['a'], learners: ['a'] })).toMatch(/also a voter/);
    expect(configProblem({ voters: ['a'], learners: [42] })).toMatch(/not a string/);
  });
});

describe('the cluster id (protocol/cluster-id.ts)', () => {
  const OURS = { ...EXPECTED, cluster: 'c-ours' };
  const withCluster = (type: MessageType, cluster: unknown): Loose => ({ ...sample(type), cluster });
  const refusal = (payload: unknown, expected: typeof OURS | typeof EXPECTED) => {
    try {
      validateMessage(payload, expected);
    } catch (error) {
      return error as InvalidMessageError;
    }
    throw new Error('accepted');
  };

  it("passes a message of this node's cluster, of every type", () => {
    for (const type of MESSAGE_TYPES)
      expect(validateMessage(withCluster(type, 'c-ours'), OURS).type).toBe(type);
  });

  it('refuses a message of another cluster, or one without an id, with OTHER_CLUSTER', () => {
    for (const type of MESSAGE_TYPES) {
      const other = refusal(withCluster(type, 'c-theirs'), OURS);
      expect(other).toBeInstanceOf(InvalidMessageError);
      expect(other.code).toBe('OTHER_CLUSTER');
      expect(other.message).toContain('c-ours');
      expect(other.from).toBe('a');
      expect(refusal(sample(type), OURS).code).toBe('OTHER_CLUSTER');
    }
  });

  it("hands a node without an id the sender's, and refuses an id that breaks the address rule", () => {
    expect(validateMessage(withCluster('heartbeat', 'c-x'), EXPECTED).cluster).toBe('c-x');
    expect(validateMessage(withCluster('heartbeat', 'c-x'), { ...EXPECTED, cluster: null }).cluster).toBe(
      'c-x',
    );
    // A node that has an id needs no copy of it on every message.
    expect(validateMessage(withCluster('heartbeat', 'c-ours'), OURS)).not.toHaveProperty('cluster');
    for (const bad of ['', ' c', 7, null, 'x'.repeat(300)]) {
      const error = refusal(withCluster('append', bad), EXPECTED);
      expect(error.code).toBe('INVALID_MESSAGE');
      expect(error.message).toContain('append.cluster');
    }
  });

  it('keeps the code of a read-index refusal, and refuses a code beside a read index', () => {
    const refused = { ...sample('readIndexResponse'), index: -1, code: 'NOT_MEMBER' };
    expect(validateMessage(refused, EXPECTED)).toMatchObject({ index: -1, code: 'NOT_MEMBER' });
    expect(refusal({ ...refused, index: 3 }, EXPECTED).message).toContain('only sent with a refusal');
  });
});
