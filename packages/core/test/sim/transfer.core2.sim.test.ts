import { describe, expect, it } from 'vitest';
import { OutcomeUnknownError, ProposalRefusedError } from '../../src/errors.js';
import type { Message } from '../../src/protocol/types.js';
import { Simulation } from '../../src/testing/index.js';
import { flushMicrotasks, replayFor, runChecking, seedOr, seedsOr, track } from './scenario-helpers.js';

// Leadership transfer (thesis 3.10) and graceful stop. SEED=s replays one seed:
// SEED={seed} pnpm vitest run packages/core/test/sim/transfer.core2.sim.test.ts
const replay = replayFor('transfer.core2.sim.test.ts');
const ELECTION_TIMEOUT = 100;
const HEARTBEAT = 20;

async function commitMany(sim: Simulation, id: string, n: number): Promise<string[]> {
  const commands = Array.from({ length: n }, () => sim.propose(id, { timeoutMs: 5_000 }).command);
  await sim.runUntil(() => commands.every((c) => sim.acknowledged.has(c)), 5_000, `committing ${n} commands`);
  return commands;
}

function expectRefused(outcome: ReturnType<typeof track>, code: string): void {
  expect(outcome.state()).toBe('rejected');
  expect(outcome.error()).toBeInstanceOf(ProposalRefusedError);
  expect((outcome.error() as ProposalRefusedError).code).toBe(code);
}

/** A cluster with a leader that committed a few entries and whose followers all know it. */
async function cluster(seed: number, ids: string[]): Promise<{ sim: Simulation; leader: string }> {
  const sim = new Simulation({
    seed,
    nodes: ids,
    replay,
    electionTimeout: ELECTION_TIMEOUT,
    heartbeatInterval: HEARTBEAT,
  });
  await sim.start();
  const leader = await sim.waitForLeader();
  await commitMany(sim, leader, 3);
  await sim.runUntil(
    () =>
      ids.every(
        (id) =>
          sim.status(id).leader === leader && sim.status(id).commitIndex === sim.status(leader).commitIndex,
      ),
    1_000,
    'followers up to date',
  );
  return { sim, leader };
}

describe('leadership transfer', () => {
  it('to an up-to-date target: resolves once it leads, one election, no proposals accepted meanwhile', async () => {
    const seed = seedOr(5001);
    const ids = ['a', 'b', 'c'];
    const { sim, leader } = await cluster(seed, ids);
    const [target, other] = ids.filter((id) => id !== leader) as [string, string];
    const term = sim.status(leader).term;
    const lastIndex = sim.status(leader).lastIndex;
    const t0 = sim.clock.now();

    const transfer = track(sim.raft(leader).transferLeadership(target));
    const onLeader = sim.propose(leader);
    const onLeaderOutcome = track(onLeader.result);
    const forwarded = sim.propose(other);
    const forwardedOutcome = track(forwarded.result);
    await flushMicrotasks(20);
    expectRefused(onLeaderOutcome, 'TRANSFERRING');
    expect(sim.status(leader).transferee).toBe(target);
    let transferredAt = 0;
    await sim.runUntil(
      () => {
        if (transfer.state() === 'pending') return false;
        transferredAt ||= sim.clock.now();
        return forwardedOutcome.state() !== 'pending';
      },
      2_000,
      'the transfer',
    );
    expect(transfer.state()).toBe('fulfilled');
    expect(sim.leader()).toBe(target);
    expect(sim.status(target).term).toBe(term + 1);
    expect(sim.status(leader)).toMatchObject({ role: 'follower', leader: target, term: term + 1 });
    expect(transferredAt - t0).toBeLessThan(ELECTION_TIMEOUT);
    // Nothing was appended by the old leader during the transfer: the next entry is the new no-op.
    expect(sim.raft(target).raftNode.protocol.log.entry(lastIndex + 1)).toMatchObject({
      kind: 'noop',
      term: term + 1,
    });
    // The forwarded proposal reached the old leader during the transfer: refused there (then it is
    // either a refusal, or the follower retried it with the new leader; never a silent loss).
    if (forwardedOutcome.state() === 'rejected') {
      expectRefused(forwardedOutcome, 'TRANSFERRING');
    } else {
      expect(sim.stateMachine(other).applied).toContain(forwarded.command);
    }
    // The new leader takes proposals.
    const after = await commitMany(sim, target, 2);
    expect(after.every((c) => sim.acknowledged.has(c))).toBe(true);
    await sim.converge();
    sim.checkFinal();
    expect(sim.stateMachine(target).applied).not.toContain(onLeader.command);
    await sim.stop();
  });

  it('to a lagging target: catches it up first (timeoutNow only once it holds the whole log), then it leads', async () => {
    const seed = seedOr(5002);
    const ids = ['a', 'b', 'c'];
    const { sim, leader } = await cluster(seed, ids);
    const [target] = ids.filter((id) => id !== leader) as [string, string];
    let starve = true;
    sim.network.filter = (_from, to, payload) => {
      const m = payload as Message;
      return !(starve && to === target && m.type === 'append' && m.entries.length > 0);
    };
    const written = await commitMany(sim, leader, 20);
    const lastIndex = sim.status(leader).lastIndex;
    expect(sim.status(target).lastIndex).toBeLessThan(lastIndex - 19);

    const timeoutNows: { leaderMatch: number; leaderLast: number }[] = [];
    const prev = sim.network.onSend;
    sim.network.onSend = (from, to, payload) => {
      prev?.(from, to, payload);
      if (from === leader && to === target && (payload as Message).type === 'timeoutNow') {
        const core = sim.raft(leader).raftNode.protocol;
        timeoutNows.push({ leaderMatch: core.progressOf(target)!.match, leaderLast: core.log.lastIndex() });
      }
    };
    const transfer = track(sim.raft(leader).transferLeadership(target));
    starve = false;
    const during = sim.propose(leader);
    const duringOutcome = track(during.result);
    await sim.runUntil(() => transfer.state() !== 'pending', 1_000, 'the transfer');
    expect(transfer.state()).toBe('fulfilled');
    expectRefused(duringOutcome, 'TRANSFERRING');
    expect(timeoutNows).toHaveLength(1);
    expect(timeoutNows[0]!.leaderMatch).toBe(timeoutNows[0]!.leaderLast);
    expect(timeoutNows[0]!.leaderLast).toBe(lastIndex);
    expect(sim.leader()).toBe(target);
    await sim.converge();
    sim.checkFinal();
    for (const c of written) expect(sim.stateMachine(target).applied).toContain(c);
    await sim.stop();
  });

  it('interrupted by a partition (target cut off): rejects with TRANSFER_TIMEOUT and the old leader takes proposals again', async () => {
    const seed = seedOr(5003);
    const ids = ['a', 'b', 'c'];
    const { sim, leader } = await cluster(seed, ids);
    const [target] = ids.filter((id) => id !== leader) as [string, string];
    const term = sim.status(leader).term;
    const t0 = sim.clock.now();
    const transfer = track(sim.raft(leader).transferLeadership(target));
    let rejectedAt = 0;
    // The target is cut off before the leader's timeoutNow reaches it.
    sim.network.isolate(target, ids);
    const during = sim.propose(leader);
    const duringOutcome = track(during.result);
    await sim.runUntil(
      () => {
        if (transfer.state() !== 'pending') rejectedAt ||= sim.clock.now();
        return transfer.state() !== 'pending';
      },
      1_000,
      'the transfer giving up',
    );
    expectRefused(duringOutcome, 'TRANSFERRING');
    expect(transfer.state()).toBe('rejected');
    expect(transfer.error()).toBeInstanceOf(OutcomeUnknownError);
    expect((transfer.error() as OutcomeUnknownError).code).toBe('TRANSFER_TIMEOUT');
    // It gives up after about one election timeout. The deadline is counted from the protocol's
    // last known time (its last tick or message), which may be up to a heartbeat interval before
    // the call, so it can give up slightly early.
    expect(rejectedAt - t0).toBeGreaterThanOrEqual(ELECTION_TIMEOUT - HEARTBEAT);
    expect(rejectedAt - t0).toBeLessThan(ELECTION_TIMEOUT + 25);
    expect(sim.status(leader)).toMatchObject({ role: 'leader', term, transferee: null });
    const again = await commitMany(sim, leader, 2);
    expect(again.every((c) => sim.acknowledged.has(c))).toBe(true);
    expect(sim.status(leader).term).toBe(term);

    sim.network.heal();
    await sim.converge();
    expect(sim.leader()).toBe(leader);
    sim.checkFinal();
    expect(sim.stateMachine(target).applied).not.toContain(during.command);
    await sim.stop();
  });

  it('with no target: picks the most up-to-date voter', async () => {
    const seed = seedOr(5004);
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const { sim, leader } = await cluster(seed, ids);
    const followers = ids.filter((id) => id !== leader);
    // The last follower in configuration order is the only one to get the new entries (ties would go
    // to the first one, so this cannot pass by accident).
    const best = followers[followers.length - 1]!;
    let starve = true;
    sim.network.filter = (_from, to, payload) => {
      const m = payload as Message;
      return !(starve && to !== best && to !== leader && m.type === 'append' && m.entries.length > 0);
    };
    const core = sim.raft(leader).raftNode.protocol;
    const before = core.log.lastIndex();
    for (let i = 0; i < 4; i++) sim.propose(leader, { timeoutMs: 5_000 });
    await sim.runUntil(() => core.progressOf(best)!.match === before + 4, 500, 'best catching up');
    for (const id of followers)
      if (id !== best) expect(core.progressOf(id)!.match).toBeLessThan(core.progressOf(best)!.match);

    const transfer = track(sim.raft(leader).transferLeadership());
    expect(sim.status(leader).transferee).toBe(best);
    starve = false;
    await sim.runUntil(() => transfer.state() !== 'pending', 1_000, 'the transfer');
    expect(transfer.state()).toBe('fulfilled');
    expect(sim.leader()).toBe(best);
    await sim.converge();
    sim.checkFinal();
    await sim.stop();
  });

  for (const seed of seedsOr([5101, 5102, 5103, 5104])) {
    it(`stop() on a leader hands over leadership before an election timeout passes (seed ${seed})`, async () => {
      const ids = ['a', 'b', 'c'];
      const { sim, leader } = await cluster(seed, ids);
      const term = sim.status(leader).term;
      const others = ids.filter((id) => id !== leader);
      const t0 = sim.clock.now();
      const stopped = track(sim.raft(leader).stop());
      let newLeaderAt = 0;
      await runChecking(sim, 500, () => {
        if (!newLeaderAt && others.some((id) => sim.status(id).role === 'leader'))
          newLeaderAt = sim.clock.now();
      });
      expect(stopped.state()).toBe('fulfilled');
      expect(newLeaderAt).toBeGreaterThan(0);
      expect(newLeaderAt - t0).toBeLessThan(ELECTION_TIMEOUT);
      const next = others.find((id) => sim.status(id).role === 'leader')!;
      // One election, started by the transfer: the term moved by exactly one.
      expect(sim.status(next).term).toBe(term + 1);
      expect(sim.raft(leader).state).toBe('stopped');
      sim.crash(leader);
      const more = await commitMany(sim, next, 2);
      expect(more.every((c) => sim.acknowledged.has(c))).toBe(true);
      await sim.stop();
    });
  }

  it('stop() of a leader whose followers are all cut off stops without hanging (control: nobody to take over)', async () => {
    const seed = seedOr(5201);
    const ids = ['a', 'b', 'c'];
    const { sim, leader } = await cluster(seed, ids);
    sim.network.isolate(leader, ids);
    const t0 = sim.clock.now();
    const stopped = track(sim.raft(leader).stop());
    await sim.runUntil(() => stopped.state() !== 'pending', 1_000, 'stop()');
    expect(stopped.state()).toBe('fulfilled');
    // It tried to hand over for at most an election timeout, then stopped.
    expect(sim.clock.now() - t0).toBeLessThan(ELECTION_TIMEOUT + 25);
    expect(sim.raft(leader).state).toBe('stopped');
    sim.crash(leader);
    sim.network.heal();
    const others = ids.filter((id) => id !== leader);
    await sim.runUntil(() => others.some((id) => sim.status(id).role === 'leader'), 2_000, 'a new leader');
    await sim.stop();
  });
});
