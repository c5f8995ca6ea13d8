import { describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  InvalidMessageError,
  ProposalRefusedError,
  type RaftError,
} from '../../src/errors.js';
import { clusterIdFor } from '../../src/protocol/cluster-id.js';
import { Simulation } from '../../src/testing/index.js';
import { replayFor, seedOr, track } from './scenario-helpers.js';

// Cluster identity (protocol/cluster-id.ts): every message carries its cluster's id and a node drops
// messages of any other cluster, so clusters that share addresses never mix their logs.
// SEED=s replays one seed: SEED={seed} pnpm vitest run packages/core/test/sim/cluster-identity.sim.test.ts
const replay = replayFor('cluster-identity.sim.test.ts');

/** Every error each node reports, from now on. */
function recordErrors(sim: Simulation, ids: readonly string[]): Map<string, RaftError[]> {
  const errors = new Map<string, RaftError[]>();
  for (const id of ids) {
    const list: RaftError[] = [];
    errors.set(id, list);
    sim.raft(id).listen('error', (e) => list.push(e));
  }
  return errors;
}

const otherCluster = (errors: RaftError[]) =>
  errors.filter((e) => e instanceof InvalidMessageError && e.code === 'OTHER_CLUSTER');

const leaderAmong = (sim: Simulation, ids: string[]) => ids.find((n) => sim.status(n).role === 'leader');

async function commit(sim: Simulation, id: string, n: number): Promise<string[]> {
  const commands = Array.from({ length: n }, () => sim.propose(id, { timeoutMs: 5_000 }).command);
  await sim.runUntil(() => commands.every((c) => sim.acknowledged.has(c)), 5_000, `committing ${n}`);
  return commands;
}

/** A 3-node cluster that committed, and a node `d` started beside it without peers (not yet joined). */
async function clusterAndJoiner(seed: number, identity: { clusterId?: string } = {}) {
  const ids = ['a', 'b', 'c'];
  const sim = new Simulation({ seed, nodes: ids, replay });
  await sim.start();
  const leader = await sim.waitForLeader();
  await commit(sim, leader, 2);
  sim.addNode('d');
  await sim.startNode('d', [], identity);
  return { sim, ids, leader };
}

describe('cluster identity', () => {
  it('every initial member computes the same id from its peers, stores it with its hard state and keeps it across a restart', async () => {
    const seed = seedOr(8101);
    const ids = ['a', 'b', 'c'];
    const sim = new Simulation({ seed, nodes: ids, replay });
    await sim.start();
    const leader = await sim.waitForLeader();
    await commit(sim, leader, 3);
    const id = clusterIdFor(['c', 'a', 'b']);
    expect(id).toBe(clusterIdFor(ids));
    expect(id).not.toBe(clusterIdFor(ids, 'token'));
    for (const n of ids) {
      expect(sim.raft(n).clusterId).toBe(id);
      expect(sim.status(n).cluster).toBe(id);
      expect((await sim.storageOf(n).load()).hardState.cluster).toBe(id);
    }
    const follower = ids.find((n) => n !== leader)!;
    await sim.restart(follower);
    expect(sim.raft(follower).clusterId).toBe(id);
    await commit(sim, follower, 2);
    await sim.stop();
  });

  it('a node bootstrapped alone beside a cluster (a tab that started its own) never takes its appends', async () => {
    const seed = seedOr(8102);
    const sim = new Simulation({ seed, nodes: ['a', 'b', 'c'], replay });
    await sim.startNode('a', ['a', 'b', 'c']);
    await sim.startNode('b', ['a', 'b', 'c']);
    // c was told it is a cluster of its own: it elects itself and appends its own no-op entry.
    await sim.startNode('c', ['c']);
    const errors = recordErrors(sim, ['a', 'b', 'c']);
    await sim.runUntil(() => sim.status('c').role === 'leader', 5_000, 'c leads its own cluster');
    await sim.runUntil(() => leaderAmong(sim, ['a', 'b']) !== undefined, 10_000, 'a or b leads');
    const leader = leaderAmong(sim, ['a', 'b'])!;
    // An append of a term at least c's would, without cluster ids, make c a follower of that leader.
    expect(sim.status(leader).term).toBeGreaterThanOrEqual(sim.status('c').term);
    await commit(sim, leader, 5);
    await sim.runFor(500);
    expect(sim.status('c').role).toBe('leader');
    expect(sim.stateMachine('c').applied).toEqual([]);
    expect(sim.status('c').cluster).not.toBe(sim.status('a').cluster);
    const dropped = otherCluster(errors.get('c')!);
    expect(dropped.length).toBeGreaterThan(0);
    expect(dropped[0]!.message).toContain(sim.status('a').cluster!);
    expect(new Set(dropped.map((e) => (e as InvalidMessageError).from))).toEqual(new Set([leader]));
    await sim.stop();
  });

  it('initial members with different clusterTokens form no cluster together: each drops the others', async () => {
    const seed = seedOr(8103);
    const ids = ['a', 'b', 'c'];
    const sim = new Simulation({ seed, nodes: ids, replay });
    await sim.startNode('a', ids, { clusterToken: 'one' });
    await sim.startNode('b', ids, { clusterToken: 'one' });
    await sim.startNode('c', ids, { clusterToken: 'two' });
    const errors = recordErrors(sim, ids);
    await sim.runUntil(() => leaderAmong(sim, ['a', 'b']) !== undefined, 10_000, 'a or b leads');
    const leader = leaderAmong(sim, ['a', 'b'])!;
    await commit(sim, leader, 3);
    await sim.runFor(300);
    expect(sim.status('c').commitIndex).toBe(0);
    expect(sim.status('c').lastIndex).toBe(0);
    expect(otherCluster(errors.get('c')!).length).toBeGreaterThan(0);
    // c campaigns in vain; its requests are dropped by a and b, not counted.
    expect(otherCluster([...errors.get('a')!, ...errors.get('b')!]).length).toBeGreaterThan(0);
    await sim.stop();
  });

  it('a joiner adopts the id of the leader that adds it, durably, and keeps it across a restart', async () => {
    const { sim, ids, leader } = await clusterAndJoiner(seedOr(8104));
    expect(sim.raft('d').clusterId).toBeNull();
    const joined = track(sim.raft(leader).join('d', { timeoutMs: 5_000 }));
    await sim.runUntil(() => joined.state() !== 'pending', 5_000, 'join settles');
    expect(joined.state()).toBe('fulfilled');
    await sim.runUntil(
      () => sim.status('d').commitIndex >= sim.status(leader).commitIndex,
      5_000,
      'd catches up',
    );
    const id = clusterIdFor(ids);
    expect(sim.raft('d').clusterId).toBe(id);
    expect((await sim.storageOf('d').load()).hardState.cluster).toBe(id);
    sim.crash('d');
    await sim.startNode('d', []);
    expect(sim.raft('d').clusterId).toBe(id);
    await commit(sim, 'd', 2);
    await sim.stop();
  });

  it("a joiner pinned to another clusterId never takes this cluster's log", async () => {
    const { sim, leader } = await clusterAndJoiner(seedOr(8105), { clusterId: 'somewhere-else' });
    const errors = recordErrors(sim, ['d']);
    // The learner is added (that needs no answer from d), but d refuses every append.
    track(sim.raft(leader).join('d', { timeoutMs: 2_000 }));
    await sim.runFor(1_000);
    expect(sim.raft('d').clusterId).toBe('somewhere-else');
    expect(sim.status('d').lastIndex).toBe(0);
    expect(otherCluster(errors.get('d')!).length).toBeGreaterThan(0);
    await sim.stop();
  });

  it('storage of one cluster opened with the options of another: start() fails with a ConfigurationError', async () => {
    const seed = seedOr(8106);
    const ids = ['a', 'b', 'c'];
    const sim = new Simulation({ seed, nodes: ids, replay });
    await sim.start();
    await commit(sim, await sim.waitForLeader(), 1);
    sim.crash('c');
    const error = await sim.startNode('c', ids, { clusterToken: 'another' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain(clusterIdFor(ids));
    expect(sim.raft('c').state).toBe('failed');
    await sim.stop();
  });
});

describe('a removed member', () => {
  it('says so (state, event), refuses requests with REMOVED at once, stays removed after a restart, and a new join brings it back', async () => {
    const seed = seedOr(8107);
    const ids = ['a', 'b', 'c', 'd'];
    const sim = new Simulation({ seed, nodes: ids, replay });
    await sim.start();
    const leader = await sim.waitForLeader();
    await commit(sim, leader, 2);
    const gone = ids.find((n) => n !== leader)!;
    let removedEvents = 0;
    sim.raft(gone).listen('removed', () => removedEvents++);
    const left = track(sim.raft(leader).leave(gone, { timeoutMs: 5_000 }));
    await sim.runUntil(() => sim.raft(gone).state === 'removed', 5_000, `${gone} learns its removal`);
    expect(left.state()).not.toBe('rejected');
    expect(removedEvents).toBe(1);
    const raft = sim.raft(gone);
    const calls = [
      track(raft.propose('late')),
      track(raft.read()),
      track(raft.join('x')),
      track(raft.leave(leader)),
      track(raft.transferLeadership()),
    ];
    await sim.runFor(0);
    for (const call of calls) {
      expect(call.state()).toBe('rejected');
      expect(call.error()).toBeInstanceOf(ProposalRefusedError);
      expect((call.error() as ProposalRefusedError).code).toBe('REMOVED');
    }
    await sim.restart(gone);
    await sim.runUntil(() => sim.raft(gone).state === 'removed', 1_000, 'removed again after a restart');
    const back = track(sim.raft(leader).join(gone, { timeoutMs: 5_000 }));
    await sim.runUntil(() => back.state() !== 'pending', 5_000, 'the join settles');
    expect(back.state()).toBe('fulfilled');
    await sim.runUntil(() => sim.raft(gone).state === 'follower', 5_000, `${gone} is a member again`);
    await commit(sim, gone, 1);
    await sim.stop();
  });
});
