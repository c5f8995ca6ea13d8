import { describe, expect, it } from 'vitest';
import { type RegistryCommand, RegistryState, retryDelayMs, sha256Hex } from '../src/index.js';

/** SHA-256 of "x": any well-formed digest does for the registry's rules. */
const D = '2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881';

/** A state with servers 1-6 and shards 1 (1,4), 2 (2,5), 3 (3,6) of 1000 bytes, shard 1 enabled. */
function seeded(): {
  state: RegistryState;
  apply: (c: RegistryCommand, at?: number) => ReturnType<RegistryState['apply']>;
} {
  const state = new RegistryState();
  let n = 0;
  const apply = (c: RegistryCommand, at = state.time) => state.apply({ ...c, id: `t-${++n}`, at });
  for (let i = 1; i <= 6; i++)
    expect(apply({ op: 'addServer', serverId: String(i), url: `mem://${i}` })).toEqual({ ok: true });
  for (const [id, servers] of [
    ['1', ['1', '4']],
    ['2', ['2', '5']],
    ['3', ['3', '6']],
  ] as const)
    expect(apply({ op: 'addShard', shardId: id, serverIds: [...servers], capacity: 1000 })).toEqual({
      ok: true,
    });
  expect(apply({ op: 'enableShard', shardId: '1' })).toEqual({ ok: true });
  return { state, apply };
}

describe('registry rules: each refused change is typed and changes nothing', () => {
  const cases: [string, RegistryCommand | Record<string, unknown>, string][] = [
    ['a duplicate server', { op: 'addServer', serverId: '1', url: 'mem://x' }, 'DUPLICATE_SERVER'],
    ['a server id with a colon', { op: 'addServer', serverId: 'a:b', url: 'mem://x' }, 'INVALID_COMMAND'],
    [
      'a shard of an unknown server',
      { op: 'addShard', shardId: '9', serverIds: ['77'], capacity: 5 },
      'UNKNOWN_SERVER',
    ],
    ['a duplicate shard', { op: 'addShard', shardId: '1', serverIds: ['1'], capacity: 5 }, 'DUPLICATE_SHARD'],
    [
      'a server already in a shard',
      { op: 'addShard', shardId: '9', serverIds: ['1'], capacity: 5 },
      'SERVER_IN_SHARD',
    ],
    ['a zero capacity', { op: 'addShard', shardId: '9', serverIds: ['1'], capacity: 0 }, 'INVALID_COMMAND'],
    [
      'a server listed twice',
      { op: 'addShard', shardId: '9', serverIds: ['1', '1'], capacity: 5 },
      'INVALID_COMMAND',
    ],
    ['enabling an unknown shard', { op: 'enableShard', shardId: '9' }, 'UNKNOWN_SHARD'],
    ['removing a server of a shard', { op: 'removeServer', serverId: '4' }, 'SERVER_IN_USE'],
    ['removing an unknown server', { op: 'removeServer', serverId: '9' }, 'UNKNOWN_SERVER'],
    [
      'an upload to a read-only shard',
      { op: 'recordUpload', shardId: '2', name: 'a', size: 1, server: '2', digest: D },
      'READ_ONLY',
    ],
    [
      'an upload over capacity',
      { op: 'recordUpload', shardId: '1', name: 'a', size: 1001, server: '1', digest: D },
      'OVER_CAPACITY',
    ],
    [
      'an upload from a server of another shard',
      { op: 'recordUpload', shardId: '1', name: 'a', size: 1, server: '2', digest: D },
      'NOT_IN_SHARD',
    ],
    [
      'an upload named with a slash',
      { op: 'recordUpload', shardId: '1', name: 'a/b', size: 1, server: '1', digest: D },
      'INVALID_COMMAND',
    ],
    [
      'an upload without a digest',
      { op: 'recordUpload', shardId: '1', name: 'a', size: 1, server: '1' },
      'INVALID_COMMAND',
    ],
    [
      'an upload with a digest that is not 64 lowercase hex digits',
      { op: 'recordUpload', shardId: '1', name: 'a', size: 1, server: '1', digest: D.toUpperCase() },
      'INVALID_COMMAND',
    ],
    [
      'a claim of an unknown task',
      { op: 'claim', task: '99@4', replicator: 'r', leaseMs: 10 },
      'UNKNOWN_TASK',
    ],
    ['a lease too long', { op: 'claim', task: '1@4', replicator: 'r', leaseMs: 10 ** 9 }, 'INVALID_COMMAND'],
    ['an unknown op', { op: 'dropEverything' }, 'INVALID_COMMAND'],
  ];
  for (const [what, command, code] of cases)
    it(`refuses ${what} (${code})`, () => {
      const { state, apply } = seeded();
      const before = state.snapshot();
      const result = apply(command as RegistryCommand);
      expect(result).toMatchObject({ ok: false, code });
      expect((result as { message: string }).message.length).toBeGreaterThan(0);
      expect(state.snapshot()).toEqual(before);
    });

  it('refuses entries that are not objects or lack the proposer time', () => {
    const state = new RegistryState();
    for (const bad of [
      null,
      7,
      'addServer',
      { op: 'addServer', serverId: '1', url: 'u' },
      { op: 'addServer', serverId: '1', url: 'u', at: -1 },
    ])
      expect(state.apply(bad)).toMatchObject({ ok: false, code: 'INVALID_COMMAND' });
    expect(state.servers).toEqual([]);
  });

  it('shards start read-only; enable and disable toggle it; a server out of every shard can be removed', () => {
    const { state, apply } = seeded();
    expect(state.shard('2')?.readOnly).toBe(true);
    expect(apply({ op: 'enableShard', shardId: '2' })).toEqual({ ok: true });
    expect(state.shard('2')?.readOnly).toBe(false);
    expect(apply({ op: 'disableShard', shardId: '1' })).toEqual({ ok: true });
    expect(state.shard('1')?.readOnly).toBe(true);
    apply({ op: 'addServer', serverId: '7', url: 'mem://7' });
    expect(apply({ op: 'removeServer', serverId: '7' })).toEqual({ ok: true });
    expect(state.server('7')).toBeUndefined();
  });
});

describe('uploads and the replication queue', () => {
  it('an upload records its size and queues a task per other server of the shard', () => {
    const { state, apply } = seeded();
    expect(
      apply({ op: 'recordUpload', shardId: '1', name: 'hi.txt', size: 17, server: '1', digest: D }),
    ).toEqual({
      ok: true,
      shardId: '1',
      file: 1,
    });
    expect(state.shard('1')?.used).toBe(17);
    expect(state.file('1', 'hi.txt')).toMatchObject({ holders: ['1'], size: 17, digest: D });
    expect(state.tasks.map((t) => [t.id, t.target])).toEqual([['1@4', '4']]);
    expect(state.counters('1').uploadsOk).toBe(1);
    expect(
      apply({ op: 'recordUpload', shardId: '1', name: 'hi.txt', size: 1, server: '4', digest: D }),
    ).toMatchObject({
      code: 'FILE_EXISTS',
    });
    expect(state.shard('1')?.used).toBe(17);
  });

  it('a lease holds a task until a later entry carries a time past it; then another replicator may claim it', () => {
    const { state, apply } = seeded();
    apply({ op: 'recordUpload', shardId: '1', name: 'f', size: 1, server: '1', digest: D }, 1000);
    expect(apply({ op: 'claim', task: '1@4', replicator: 'r1', leaseMs: 500 }, 1000)).toEqual({
      ok: true,
      leaseUntil: 1500,
    });
    expect(apply({ op: 'claim', task: '1@4', replicator: 'r2', leaseMs: 500 }, 1499)).toMatchObject({
      code: 'LEASED',
    });
    // An entry from a proposer whose clock is behind does not move log time back.
    expect(apply({ op: 'claim', task: '1@4', replicator: 'r2', leaseMs: 500 }, 10)).toMatchObject({
      code: 'LEASED',
    });
    expect(apply({ op: 'claim', task: '1@4', replicator: 'r2', leaseMs: 500 }, 1500)).toEqual({
      ok: true,
      leaseUntil: 2000,
    });
    // The first holder lost it: its completion is refused, the new holder's counts.
    expect(apply({ op: 'complete', task: '1@4', replicator: 'r1' })).toMatchObject({
      code: 'NOT_LEASE_HOLDER',
    });
    expect(apply({ op: 'complete', task: '1@4', replicator: 'r2' })).toEqual({ ok: true });
    expect(state.file('1', 'f')?.holders).toEqual(['1', '4']);
    expect(state.counters('1')).toMatchObject({ replicationsDone: 1 });
  });

  it('a completed task is never redone: claims and completions of it are refused (TASK_DONE)', () => {
    const { state, apply } = seeded();
    apply({ op: 'recordUpload', shardId: '1', name: 'f', size: 1, server: '4', digest: D });
    expect(state.tasks.map((t) => t.id)).toEqual(['1@1']);
    apply({ op: 'claim', task: '1@1', replicator: 'r', leaseMs: 100 });
    apply({ op: 'complete', task: '1@1', replicator: 'r' });
    expect(apply({ op: 'claim', task: '1@1', replicator: 'r', leaseMs: 100 })).toMatchObject({
      code: 'TASK_DONE',
    });
    expect(apply({ op: 'complete', task: '1@1', replicator: 'r' })).toMatchObject({ code: 'TASK_DONE' });
    expect(state.counters('1').replicationsDone).toBe(1);
    expect(state.pending('1')).toBe(0);
  });

  it('a failed copy frees the task after a doubling backoff, counted as failed', () => {
    const { state, apply } = seeded();
    apply({ op: 'recordUpload', shardId: '1', name: 'f', size: 1, server: '1', digest: D }, 0);
    for (let attempt = 1; attempt <= 3; attempt++) {
      const at = state.time;
      expect(apply({ op: 'claim', task: '1@4', replicator: 'r', leaseMs: 100 }, at)).toMatchObject({
        ok: true,
      });
      expect(apply({ op: 'fail', task: '1@4', replicator: 'r', reason: 'down' }, at)).toEqual({
        ok: true,
        notBefore: at + retryDelayMs(attempt),
      });
      expect(
        apply({ op: 'claim', task: '1@4', replicator: 'r', leaseMs: 100 }, at + retryDelayMs(attempt) - 1),
      ).toMatchObject({
        code: 'NOT_DUE',
      });
      state.time = at + retryDelayMs(attempt);
    }
    expect(retryDelayMs(1)).toBe(1000);
    expect(retryDelayMs(3)).toBe(4000);
    expect(retryDelayMs(20)).toBe(60_000);
    expect(state.counters('1').replicationsFailed).toBe(3);
    expect(state.task('1@4')).toMatchObject({ attempts: 3, lastError: 'down', holder: null });
  });

  it('failed uploads count per shard tried, and once as rejected', () => {
    const { state, apply } = seeded();
    expect(apply({ op: 'uploadFailed', shardIds: ['1', '2'] })).toEqual({ ok: true });
    expect(apply({ op: 'uploadFailed', shardIds: ['9'] })).toMatchObject({ code: 'UNKNOWN_SHARD' });
    expect([
      state.counters('1').uploadsFailed,
      state.counters('2').uploadsFailed,
      state.uploadsRejected,
    ]).toEqual([1, 1, 1]);
  });

  it('a snapshot restores the same state, and later changes do not reach it', () => {
    const { state, apply } = seeded();
    apply({ op: 'recordUpload', shardId: '1', name: 'f', size: 3, server: '1', digest: D }, 50);
    apply({ op: 'claim', task: '1@4', replicator: 'r', leaseMs: 100 });
    const snapshot = state.snapshot();
    const copy = RegistryState.restore(snapshot);
    expect(copy.snapshot()).toEqual(snapshot);
    apply({ op: 'complete', task: '1@4', replicator: 'r' });
    expect(snapshot.tasks.length).toBe(1);
    // The restored copy goes on as the original did.
    expect(copy.apply({ op: 'complete', task: '1@4', replicator: 'r', id: 'x', at: 60 })).toEqual({
      ok: true,
    });
    expect(copy.file('1', 'f')?.holders).toEqual(['1', '4']);
  });
});

describe('sha256Hex', () => {
  it('is the SHA-256 of the bytes in lowercase hex (WebCrypto)', async () => {
    expect(await sha256Hex(new TextEncoder().encode('x'))).toBe(D);
    expect(await sha256Hex(new Uint8Array(0))).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });
});
