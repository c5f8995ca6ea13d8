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
    ['peers with an address that breaks the address rule', { peers: ['a', 'b '] }],
    ['peers that are not an array', { peers: 'a,b' as never }],
    ['a clientId with white space at an end', { clientId: 'c ' }],
    ['a zero heartbeatFrequency', { heartbeatFrequency: 0 }],
    ['a NaN heartbeatTimeout', { heartbeatTimeout: Number.NaN }],
    ['a heartbeatTimeout not above heartbeatFrequency', { heartbeatFrequency: 50, heartbeatTimeout: 50 }],
    ['an election timeout range the wrong way round', { electionTimeoutMin: 300, electionTimeoutMax: 150 }],
    ['an infinite electionTimeoutMax', { electionTimeoutMax: Number.POSITIVE_INFINITY }],
    ['a stateMachine without apply', { stateMachine: { snapshot: () => 1, restore: () => {} } as never }],
    [
      'a stateMachine whose restore is no function',
      { stateMachine: { apply: () => 1, snapshot: () => 1, restore: 1 } as never },
    ],
    ['a storage without persist', { storage: { load: async () => ({}) } as never }],
    [
      'a storage whose close is no function',
      { storage: { load: () => 1, persist: () => 1, close: 'x' } as never },
    ],
    ['a transport without createInstance', { transport: { open() {}, close() {} } as never }],
    ['a transport that is a string', { transport: 'ws://x' as never }],
    ['a clock without defer', { clock: { now: () => 0, setTimer: () => 0, clearTimer() {} } as never }],
    ['a random that is a number', { random: 4 as never }],
  ];
  for (const [what, options] of bad) {
    it(`refuses ${what}`, () => {
      expect(() => new RaftInterface('a', options)).toThrow(ConfigurationError);
      // The message names the option at fault.
      expect(() => new RaftInterface('a', options)).toThrow(Object.keys(options)[0]!);
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

describe('the options object and the address', () => {
  it('an unknown option key is refused, naming the closest known key', () => {
    const attempt = (options: object) => () => new RaftInterface('a', options as RaftOptions);
    expect(attempt({ proposalTimout: 5 })).toThrow(
      new ConfigurationError('unknown option "proposalTimout"; did you mean proposalTimeout?'),
    );
    expect(attempt({ Peers: ['a'] })).toThrow(/did you mean peers\?/);
    expect(attempt({ heartbeatFrequncy: 20 })).toThrow(/did you mean heartbeatFrequency\?/);
    expect(attempt({ electionTimeout: 200 })).toThrow(/did you mean electionTimeoutM(in|ax)\?/);
    // Nothing close: no guess.
    expect(attempt({ zzzzzzzzzzzz: 1 })).toThrow(new ConfigurationError('unknown option "zzzzzzzzzzzz"'));
  });

  it('options that are not an object are refused; left out, they are the defaults', () => {
    for (const options of [null, 5, 'x', []])
      expect(() => new RaftInterface('a', options as never)).toThrow(ConfigurationError);
    expect(() => new RaftInterface('a', undefined)).not.toThrow();
  });

  it('an address that breaks the address rule is refused', () => {
    for (const address of ['', '  ', ' a', 'a\n', undefined, 42, {}, 'x'.repeat(300)])
      expect(() => new RaftInterface(address as string), String(address)).toThrow(ConfigurationError);
  });

  it('clusterId follows the address rule and clusterToken is a bounded string', () => {
    for (const clusterId of ['', ' c', 'c\n', 42, {}, 'x'.repeat(300)])
      expect(() => new RaftInterface('a', { clusterId } as never), String(clusterId)).toThrow(/clusterId/);
    for (const clusterToken of [7, null, 'x'.repeat(300)])
      expect(() => new RaftInterface('a', { clusterToken } as never), String(clusterToken)).toThrow(
        /clusterToken/,
      );
    expect(() => new RaftInterface('a', { clusterId: 'board-1', clusterToken: '' })).not.toThrow();
  });

  it('the timing options are the defaults of the seed getters, and an overriding getter still wins', () => {
    const raft = new RaftInterface('a', {
      heartbeatFrequency: 10,
      heartbeatTimeout: 40,
      electionTimeoutMin: 70,
      electionTimeoutMax: 80,
    });
    expect(raft.heartbeatFrequency).toBe(10);
    expect(raft.heartbeatTimeout).toBe(40);
    for (let i = 0; i < 50; i++) {
      const t = raft.electionTimeout;
      expect(t).toBeGreaterThanOrEqual(70);
      expect(t).toBeLessThan(80);
    }
    const defaults = new RaftInterface('a');
    expect([defaults.heartbeatFrequency, defaults.heartbeatTimeout]).toEqual([100, 200]);
    expect(defaults.electionTimeout).toBeGreaterThanOrEqual(150);
    expect(defaults.electionTimeout).toBeLessThan(300);
    class Fixed extends RaftInterface {
      override get heartbeatTimeout(): number {
        return 999;
      }
    }
    expect(new Fixed('a', { heartbeatTimeout: 400 }).heartbeatTimeout).toBe(999);
  });

  it('durations in messages are rounded', () => {
    expect(
      () => new RaftInterface('a', { heartbeatFrequency: 213.48291, heartbeatTimeout: 100.123 }),
    ).toThrow(
      new ConfigurationError('heartbeatTimeout (100 ms) must be longer than heartbeatFrequency (213 ms)'),
    );
    expect(() => new RaftInterface('a', { proposalTimeout: -0.123456 })).toThrow(
      new ConfigurationError('proposalTimeout must be a positive number of ms, not -0.1 ms'),
    );
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
