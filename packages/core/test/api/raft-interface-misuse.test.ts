import { describe, expect, it } from 'vitest';
import { RaftInterface } from '../../src/api/raft-interface.js';
import {
  NodeStoppedError,
  ProposalRefusedError,
  type RaftError,
  StorageError,
  TransportError,
} from '../../src/errors.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import { MemoryNetwork } from '../../src/transport/memory.js';

/** A one-node cluster that has elected itself. */
async function single(storage = new MemoryStorage()): Promise<RaftInterface> {
  const raft = new RaftInterface('a', {
    peers: ['a'],
    storage,
    transport: new MemoryNetwork().transport('a'),
  });
  const leading = new Promise<void>((resolve) => raft.listen('leader', () => resolve()));
  await raft.start();
  await leading;
  return raft;
}

async function refusal(promise: Promise<unknown>): Promise<ProposalRefusedError> {
  const error = await promise.then(
    () => {
      throw new Error('resolved');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProposalRefusedError);
  return error as ProposalRefusedError;
}

describe('join and leave check the address first', () => {
  it('an address that breaks the address rule is refused at once with INVALID_ADDRESS', async () => {
    const raft = await single();
    for (const address of ['', '  ', ' a', 'a\n', undefined, 42, {}, null, 'x'.repeat(300)]) {
      for (const call of [raft.join.bind(raft), raft.leave.bind(raft)]) {
        const error = await refusal(call(address as string));
        expect(error.code, String(address)).toBe('INVALID_ADDRESS');
        expect(error.message).toMatch(/is not a valid node address: it (is|holds|begins)/);
      }
    }
    // Nothing was appended: the configuration is the bootstrap one, and the node still commits.
    expect(raft.members).toEqual({ voters: ['a'], learners: [] });
    await expect(raft.propose({ n: 1 })).resolves.toMatchObject({ index: 2 });
    await raft.stop();
  });

  it('leave() of a node that is not a member is refused with NOT_MEMBER; join() of a member resolves', async () => {
    const raft = await single();
    const error = await refusal(raft.leave('zz'));
    expect(error.code).toBe('NOT_MEMBER');
    await expect(raft.join('a')).resolves.toBeUndefined();
    await raft.join('b');
    expect(raft.members).toEqual({ voters: ['a'], learners: ['b'] });
    // Joining again is idempotent: no second entry.
    const before = raft.commitIndex;
    await raft.join('b');
    expect(raft.commitIndex).toBe(before);
    await raft.leave('b');
    expect(raft.members).toEqual({ voters: ['a'], learners: [] });
    expect((await refusal(raft.leave('b'))).code).toBe('NOT_MEMBER');
    await raft.stop();
  });
});

describe('lifecycle misuse', () => {
  it('start() on a stopped instance says to make a new one', async () => {
    const raft = await single();
    await raft.stop();
    const error = (await raft.start().catch((e: unknown) => e)) as RaftError;
    expect(error).toBeInstanceOf(NodeStoppedError);
    expect(error.message).toMatch(/make a new instance/);
    const never = new RaftInterface('a', { peers: ['a'] });
    await never.stop();
    await expect(never.start()).rejects.toThrow(/make a new instance/);
  });

  it('stop() resolves when closing storage fails, and reports the failure on error', async () => {
    const storage = new MemoryStorage();
    const failing = Object.assign(Object.create(storage) as MemoryStorage, {
      load: () => storage.load(),
      persist: (batch: Parameters<MemoryStorage['persist']>[0]) => storage.persist(batch),
      close: () => Promise.reject(new Error('disk gone')),
    });
    const raft = await single(failing);
    const errors: unknown[] = [];
    raft.listen('error', (e) => errors.push(e));
    await expect(raft.stop()).resolves.toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(StorageError);
    expect((errors[0] as StorageError).message).toMatch(/storage.close\(\) failed: Error: disk gone/);
  });

  it('stop() resolves when closing the transport throws, and reports it as a TransportError', async () => {
    const transport = {
      ...new MemoryNetwork().transport('a'),
      close: () => {
        throw new Error('socket stuck');
      },
    };
    const raft = new RaftInterface('a', { peers: ['a'], transport });
    await raft.start();
    const errors: unknown[] = [];
    raft.listen('error', (e) => errors.push(e));
    await expect(raft.stop()).resolves.toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(TransportError);
    expect((errors[0] as TransportError).message).toMatch(/socket stuck/);
  });
});
