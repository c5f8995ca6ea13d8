import { describe, expect, it } from 'vitest';
import { RaftInterface, type RaftOptions } from '../../src/api/raft-interface.js';
import { ConfigurationError } from '../../src/errors.js';
import { DEFAULT_MESSAGE_LIMITS } from '../../src/protocol/validate.js';
import { MemoryNetwork } from '../../src/transport/memory.js';

/** Options that are wrong throw ConfigurationError when the node is made, before anything runs. */
describe('options are checked when a RaftInterface is made', () => {
  const bad: [string, RaftOptions][] = [
    // Beyond what followers accept in a message: their appends would be refused forever.
    [
      'maxEntriesPerAppend above the message limit',
      { maxEntriesPerAppend: DEFAULT_MESSAGE_LIMITS.maxEntriesPerMessage + 1 },
    ],
    [
      'snapshotChunkChars above the chunk limit',
      { snapshotChunkChars: DEFAULT_MESSAGE_LIMITS.maxSnapshotChunkChars + 1 },
    ],
    [
      'maxCommandChars above half the message limit',
      { maxCommandChars: DEFAULT_MESSAGE_LIMITS.maxPayloadChars },
    ],
    [
      'maxAppendChars above half the message limit',
      { maxAppendChars: DEFAULT_MESSAGE_LIMITS.maxPayloadChars },
    ],
    [
      'a clientId longer than message ids may be',
      { clientId: 'x'.repeat(DEFAULT_MESSAGE_LIMITS.maxIdLength) },
    ],
    ['an empty clientId', { clientId: '' }],
    ['maxInflight 0', { maxInflight: 0 }],
    ['a fractional maxEntriesPerAppend', { maxEntriesPerAppend: 1.5 }],
    ['a NaN proposalTimeout', { proposalTimeout: Number.NaN }],
    ['a negative memberTimeout', { memberTimeout: -1 }],
    ['an unknown readPolicy', { readPolicy: 'eventual' as never }],
    ['lease reads without check-quorum', { readPolicy: 'lease', checkQuorum: false }],
    ['a non-boolean preVote', { preVote: 'yes' as never }],
    ['peers that are not strings', { peers: ['a', 7 as never] }],
    ['peers listing a node twice', { peers: ['a', 'b', 'b'] }],
  ];
  for (const [what, options] of bad) {
    it(`refuses ${what}`, () => {
      expect(() => new RaftInterface('a', options)).toThrow(ConfigurationError);
    });
  }

  it('accepts the defaults, the limits themselves, and peers without this node (it waits to be added)', () => {
    expect(() => new RaftInterface('a')).not.toThrow();
    expect(
      () =>
        new RaftInterface('a', {
          maxEntriesPerAppend: DEFAULT_MESSAGE_LIMITS.maxEntriesPerMessage,
          snapshotChunkChars: DEFAULT_MESSAGE_LIMITS.maxSnapshotChunkChars,
          memberTimeout: 0,
          readPolicy: 'lease',
        }),
    ).not.toThrow();
    expect(() => new RaftInterface('d', { peers: ['a', 'b', 'c'] })).not.toThrow();
  });
});

describe('timings and per-call timeouts are checked', () => {
  it('start() rejects when the heartbeat is not shorter than the heartbeat timeout', async () => {
    class Slow extends RaftInterface {
      override get heartbeatFrequency(): number {
        return 300;
      }
    }
    const raft = new Slow('a', { peers: ['a'], transport: new MemoryNetwork().transport('a') });
    await expect(raft.start()).rejects.toBeInstanceOf(ConfigurationError);
    expect(raft.state).toBe('stopped');
  });

  it('a request with a timeoutMs that is not a positive number rejects with ConfigurationError', async () => {
    const raft = new RaftInterface('a', { peers: ['a'], transport: new MemoryNetwork().transport('a') });
    await raft.start();
    for (const timeoutMs of [Number.NaN, 0, -5, Number.POSITIVE_INFINITY]) {
      await expect(raft.propose({ n: 1 }, { timeoutMs })).rejects.toBeInstanceOf(ConfigurationError);
      await expect(raft.read({ timeoutMs })).rejects.toBeInstanceOf(ConfigurationError);
      await expect(raft.join('b', { timeoutMs })).rejects.toBeInstanceOf(ConfigurationError);
    }
    await raft.stop();
  });

  it('operations before start() reject instead of throwing', async () => {
    const raft = new RaftInterface('a', { peers: ['a'] });
    await expect(raft.propose({ n: 1 })).rejects.toBeInstanceOf(ConfigurationError);
    await expect(raft.read()).rejects.toBeInstanceOf(ConfigurationError);
    await expect(raft.join('b')).rejects.toBeInstanceOf(ConfigurationError);
    await expect(raft.transferLeadership()).rejects.toBeInstanceOf(ConfigurationError);
  });
});
