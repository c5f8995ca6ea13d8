import { describe, expect, it } from 'vitest';
import { OutcomeUnknownError, ProposalRefusedError } from '../../src/errors.js';
import type { Message } from '../../src/protocol/types.js';
import { type NetworkFaults, RELIABLE, Simulation } from '../../src/testing/index.js';
import { replayFor, runChecking, scenarioRandom, seedOr } from './scenario-helpers.js';

// Linearizable reads (thesis 6.4): forwarded follower reads, lease reads (6.4.1), and reads on a
// leader that lost its quorum. SEED=s replays one seed:
// SEED={seed} pnpm vitest run packages/core/test/sim/reads.core2.sim.test.ts
const replay = replayFor('reads.core2.sim.test.ts');

declare const setImmediate: (callback: () => void) => unknown;

/** Lets promise continuations and the runtime's microtask work run, without advancing virtual time. */
async function settleNow(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

async function commitMany(sim: Simulation, id: string, n: number): Promise<string[]> {
  const commands = Array.from({ length: n }, () => sim.propose(id, { timeoutMs: 5_000 }).command);
  await sim.runUntil(() => commands.every((c) => sim.acknowledged.has(c)), 5_000, `committing ${n} commands`);
  return commands;
}

/** A read and what its node could see at the moment it resolved. */
interface ReadRecord {
  node: string;
  issuedAt: number;
  /** Commands acknowledged to their proposers before the call, and the highest index among them. */
  ackedBefore: string[];
  maxAckedIndex: number;
  state: 'pending' | 'fulfilled' | 'rejected';
  index?: number;
  error?: unknown;
  settledAt?: number;
  appliedAtResolve?: number;
  stateAtResolve?: string[];
}

function issueRead(sim: Simulation, node: string, timeoutMs?: number): ReadRecord {
  const acked = [...sim.acknowledged];
  const r: ReadRecord = {
    node,
    issuedAt: sim.clock.now(),
    ackedBefore: acked.map(([c]) => c),
    maxAckedIndex: Math.max(0, ...acked.map(([, i]) => i)),
    state: 'pending',
  };
  const raft = sim.raft(node);
  const sm = sim.stateMachine(node);
  raft.read(timeoutMs === undefined ? undefined : { timeoutMs }).then(
    (v) => {
      // Runs right after the runtime resolved the read, before the simulator takes another step.
      r.state = 'fulfilled';
      r.index = v.index;
      r.settledAt = sim.clock.now();
      r.appliedAtResolve = raft.raftNode.appliedIndex;
      r.stateAtResolve = [...sm.applied];
    },
    (error: unknown) => {
      r.state = 'rejected';
      r.error = error;
      r.settledAt = sim.clock.now();
    },
  );
  return r;
}

/** Every message `from` sends, counted by type; heartbeats that carry a ReadIndex context apart. */
function countFrom(sim: Simulation, from: string): { count(type: string): number; readRounds(): number } {
  const byType = new Map<string, number>();
  let readRounds = 0;
  const prev = sim.network.onSend;
  sim.network.onSend = (f, to, payload) => {
    prev?.(f, to, payload);
    if (f !== from) return;
    const m = payload as Message;
    byType.set(m.type, (byType.get(m.type) ?? 0) + 1);
    if (m.type === 'heartbeat' && m.context !== undefined) readRounds++;
  };
  return { count: (type) => byType.get(type) ?? 0, readRounds: () => readRounds };
}

describe('reads on a follower', () => {
  it('return an index >= every write acknowledged before the call, and see those writes', async () => {
    const seed = seedOr(4001);
    const ids = ['a', 'b', 'c'];
    const faults: NetworkFaults = { ...RELIABLE, minDelay: 1, maxDelay: 9 };
    const sim = new Simulation({ seed, nodes: ids, replay, faults });
    const rnd = scenarioRandom(seed, 0x4ead);
    await sim.start();
    const leader = await sim.waitForLeader();
    const followers = ids.filter((id) => id !== leader);
    await sim.runUntil(
      () => followers.every((id) => sim.status(id).leader === leader),
      1_000,
      'followers know the leader',
    );
    const reads: ReadRecord[] = [];
    // Writes from every node, reads on the followers, interleaved on a reordering network.
    for (let round = 0; round < 120; round++) {
      if (rnd() < 0.6) sim.propose(ids[Math.floor(rnd() * ids.length)]!);
      if (rnd() < 0.5) reads.push(issueRead(sim, followers[Math.floor(rnd() * followers.length)]!));
      await sim.runFor(1 + Math.floor(rnd() * 6));
    }
    await sim.runUntil(() => reads.every((r) => r.state !== 'pending'), 5_000, 'every read settled');
    expect(sim.leader()).toBe(leader);
    expect(reads.length).toBeGreaterThan(40);
    expect(sim.acknowledged.size).toBeGreaterThan(40);
    // Some reads raced with writes acknowledged just before them.
    expect(reads.filter((r) => r.maxAckedIndex > 0).length).toBeGreaterThan(30);
    for (const r of reads) {
      expect(r.state, `read on ${r.node} at ${r.issuedAt}`).toBe('fulfilled');
      expect(r.index!).toBeGreaterThanOrEqual(r.maxAckedIndex);
      expect(r.appliedAtResolve!).toBeGreaterThanOrEqual(r.index!);
      for (const c of r.ackedBefore) expect(r.stateAtResolve).toContain(c);
    }
    await sim.converge();
    sim.checkFinal();
    await sim.stop();
  });

  it('wait on a lagging follower until it has applied the writes acknowledged before the call', async () => {
    const seed = seedOr(4002);
    const ids = ['a', 'b', 'c'];
    const sim = new Simulation({ seed, nodes: ids, replay });
    await sim.start();
    const leader = await sim.waitForLeader();
    await commitMany(sim, leader, 2);
    const [, lagging] = ids.filter((id) => id !== leader) as [string, string];
    // The lagging follower hears heartbeats (it keeps following) but gets no entries.
    let starve = true;
    sim.network.filter = (_from, to, payload) => {
      const m = payload as Message;
      return !(starve && to === lagging && m.type === 'append' && m.entries.length > 0);
    };
    const writes = await commitMany(sim, leader, 5);
    const lastWrite = sim.acknowledged.get(writes[4]!)!;
    expect(sim.raft(lagging).raftNode.appliedIndex).toBeLessThan(lastWrite);
    const r = issueRead(sim, lagging);
    await runChecking(sim, 300, () => {
      if (r.state !== 'pending')
        sim.fail(`the read on the lagging follower settled (${r.state}) before it caught up`);
    });
    expect(sim.status(lagging).leader).toBe(leader);
    starve = false;
    await sim.runUntil(() => r.state !== 'pending', 2_000, 'the read');
    expect(r.state).toBe('fulfilled');
    expect(r.index!).toBeGreaterThanOrEqual(lastWrite);
    expect(r.appliedAtResolve!).toBeGreaterThanOrEqual(lastWrite);
    for (const c of writes) expect(r.stateAtResolve).toContain(c);
    await sim.stop();
  });
});

describe('lease reads (readPolicy lease)', () => {
  it('serve without a heartbeat round while the lease holds; fall back, then refuse, once the leader is isolated', async () => {
    const seed = seedOr(4101);
    const ids = ['a', 'b', 'c'];
    const electionTimeout = 100;
    const leaseClockDrift = 20;
    const sim = new Simulation({
      seed,
      nodes: ids,
      replay,
      electionTimeout,
      tuning: { readPolicy: 'lease', leaseClockDrift },
    });
    await sim.start();
    const leader = await sim.waitForLeader();
    await commitMany(sim, leader, 3);
    await sim.runFor(100);
    const counts = countFrom(sim, leader);

    // With the lease held: served at once, at the commit index, with no message and no time passing.
    const t0 = sim.clock.now();
    const sentBefore = counts.count('heartbeat');
    const served = issueRead(sim, leader);
    await settleNow();
    expect(served.state).toBe('fulfilled');
    expect(served.index).toBe(sim.status(leader).commitIndex);
    expect(sim.clock.now()).toBe(t0);
    expect(counts.count('heartbeat')).toBe(sentBefore);
    expect(counts.readRounds()).toBe(0);

    // Isolate the leader. Its lease ends electionTimeout - drift after the latest heartbeat a quorum
    // echoed (the leader plus one follower: the latest echo of either follower).
    sim.network.isolate(leader, ids);
    const isolatedAt = sim.clock.now();
    const core = sim.raft(leader).raftNode.protocol;
    const others = ids.filter((id) => id !== leader);
    const leaseEnd =
      Math.max(...others.map((id) => core.progressOf(id)!.heartbeatAckedAt)) +
      electionTimeout -
      leaseClockDrift;
    expect(leaseEnd).toBeGreaterThan(isolatedAt);
    let steppedDownAt = Number.POSITIVE_INFINITY;
    let otherLeaderAt = Number.POSITIVE_INFINITY;
    const reads: ReadRecord[] = [];
    let roundsDuringLease = 0;
    while (sim.clock.now() < isolatedAt + 1_000) {
      if (sim.clock.now() < leaseEnd) roundsDuringLease = counts.readRounds();
      if (sim.status(leader).role === 'leader') {
        reads.push(issueRead(sim, leader, 2_000));
        await settleNow();
      }
      await runChecking(sim, 4, () => {
        if (sim.status(leader).role !== 'leader') steppedDownAt = Math.min(steppedDownAt, sim.clock.now());
        if (others.some((id) => sim.status(id).role === 'leader'))
          otherLeaderAt = Math.min(otherLeaderAt, sim.clock.now());
      });
    }
    await sim.runUntil(() => reads.every((r) => r.state !== 'pending'), 3_000, 'every read settled');
    const early = reads.filter((r) => r.issuedAt < leaseEnd);
    const late = reads.filter((r) => r.issuedAt >= leaseEnd);
    expect(early.length).toBeGreaterThan(3);
    expect(late.length).toBeGreaterThan(3);
    // Within the lease: served at once (no virtual time passes, no heartbeat round), although no
    // follower can be reached.
    expect(roundsDuringLease).toBe(0);
    for (const r of early) {
      expect(r.state).toBe('fulfilled');
      expect(r.settledAt).toBe(r.issuedAt);
    }
    // Past the lease: a heartbeat round is tried (the fallback), nobody answers, and the read is
    // refused when the leader steps down (check-quorum). Never served.
    expect(counts.readRounds()).toBeGreaterThan(0);
    for (const r of late) {
      expect(r.state).toBe('rejected');
      expect(r.error).toBeInstanceOf(ProposalRefusedError);
      expect((r.error as ProposalRefusedError).code).toBe('NOT_LEADER');
      expect(r.settledAt).toBe(steppedDownAt);
    }
    // Safety of the lease: no other leader existed while a lease read was served.
    expect(steppedDownAt).toBeLessThan(Number.POSITIVE_INFINITY);
    expect(otherLeaderAt).toBeGreaterThan(leaseEnd);
    expect(Math.max(...early.map((r) => r.settledAt!))).toBeLessThan(otherLeaderAt);
    await sim.converge();
    sim.checkFinal();
    await sim.stop();
  });

  /**
   * Isolates the leader right after a heartbeat round a quorum echoed, then issues a read on it every
   * virtual millisecond while it leads. Returns the reads and the lease end the leader itself computes
   * (the latest echoed send time + electionTimeout - leaseClockDrift).
   */
  async function isolateAndRead(
    sim: Simulation,
    leader: string,
    ids: string[],
    electionTimeout: number,
    leaseClockDrift: number,
    during?: (sinceAck: number) => void,
  ): Promise<{ reads: ReadRecord[]; ackedAt: number; leaseEnd: number }> {
    const core = sim.raft(leader).raftNode.protocol;
    const others = ids.filter((id) => id !== leader);
    const acked = () => Math.max(...others.map((id) => core.progressOf(id)!.heartbeatAckedAt));
    const before = acked();
    await sim.runUntil(() => acked() > before, 1_000, 'a heartbeat round echoed');
    sim.network.isolate(leader, ids);
    const ackedAt = acked();
    const leaseEnd = ackedAt + electionTimeout - leaseClockDrift;
    const reads: ReadRecord[] = [];
    while (sim.status(leader).role === 'leader' && sim.clock.now() < ackedAt + 1_000) {
      during?.(sim.clock.now() - ackedAt);
      reads.push(issueRead(sim, leader, 3_000));
      await settleNow();
      await sim.runFor(1);
    }
    await sim.runUntil(() => reads.every((r) => r.state !== 'pending'), 4_000, 'every read settled');
    return { reads, ackedAt, leaseEnd };
  }

  it('never serve a lease read once the lease has run out by the clock (electionTimeout 100, heartbeat 50, drift 25)', async () => {
    // The seed API's default ratios (heartbeat 100, timeout 200, drift 50), scaled down by two.
    const seed = seedOr(4103);
    const ids = ['a', 'b', 'c'];
    const sim = new Simulation({
      seed,
      nodes: ids,
      replay,
      electionTimeout: 100,
      heartbeatInterval: 50,
      tuning: { readPolicy: 'lease', leaseClockDrift: 25 },
    });
    await sim.start();
    const leader = await sim.waitForLeader();
    await commitMany(sim, leader, 3);
    const { reads, ackedAt, leaseEnd } = await isolateAndRead(sim, leader, ids, 100, 25);
    const servedLate = reads.filter((r) => r.state === 'fulfilled' && r.issuedAt >= leaseEnd);
    expect(reads.some((r) => r.state === 'fulfilled')).toBe(true);
    expect(
      servedLate.map((r) => `issued ${(r.issuedAt - ackedAt).toFixed(0)} ms after the last echoed heartbeat`),
      `the lease ends ${leaseEnd - ackedAt} ms after the last echoed heartbeat`,
    ).toEqual([]);
    await sim.stop();
  });

  it('never return a stale index from an isolated old leader while a new leader commits (electionTimeout 100, heartbeat 60, drift 10)', async () => {
    const seed = seedOr(4104);
    const ids = ['a', 'b', 'c'];
    const sim = new Simulation({
      seed,
      nodes: ids,
      replay,
      electionTimeout: 100,
      heartbeatInterval: 60,
      tuning: { readPolicy: 'lease', leaseClockDrift: 10 },
    });
    await sim.start();
    const old = await sim.waitForLeader();
    await commitMany(sim, old, 3);
    await sim.runFor(300);
    const [first] = ids.filter((id) => id !== old) as [string, string];
    let campaigned = false;
    let write: string | null = null;
    const { reads, ackedAt } = await isolateAndRead(sim, old, ids, 100, 10, (sinceAck) => {
      // A follower whose randomized timer ([100, 200) ms) fires early: past the followers' lease
      // (100 ms after they last heard the leader), so the other follower grants its pre-vote and vote.
      if (!campaigned && sinceAck >= 102) {
        campaigned = true;
        sim.raft(first).raftNode.campaign();
      }
      if (write === null && sim.status(first).role === 'leader') write = sim.propose(first).command;
    });
    expect(write).not.toBeNull();
    expect(sim.acknowledged.has(write!)).toBe(true);
    const writeIndex = sim.acknowledged.get(write!)!;
    // Reads issued after the new leader acknowledged the write must see it.
    const after = reads.filter((r) => r.ackedBefore.includes(write!));
    expect(after.length).toBeGreaterThan(0);
    const stale = after.filter((r) => r.state === 'fulfilled' && r.index! < writeIndex);
    expect(
      stale.map(
        (r) =>
          `read issued ${(r.issuedAt - ackedAt).toFixed(0)} ms after the last echoed heartbeat returned index ${r.index}; ${write} was acknowledged at index ${writeIndex} before it`,
      ),
    ).toEqual([]);
    await sim.stop();
  });

  it('with the default readIndex policy, every read costs a heartbeat round (the control)', async () => {
    const seed = seedOr(4102);
    const ids = ['a', 'b', 'c'];
    const sim = new Simulation({ seed, nodes: ids, replay });
    await sim.start();
    const leader = await sim.waitForLeader();
    await commitMany(sim, leader, 3);
    await sim.runFor(100);
    const counts = countFrom(sim, leader);
    const t0 = sim.clock.now();
    const r = issueRead(sim, leader);
    await settleNow();
    expect(r.state).toBe('pending');
    // The round goes out at the end of the event-loop turn (virtual time does not move for it).
    await sim.runUntil(() => counts.readRounds() === 2, 1, 'the read round');
    expect(sim.clock.now()).toBe(t0);
    await sim.runUntil(() => r.state !== 'pending', 100, 'the read');
    expect(r.state).toBe('fulfilled');
    expect(r.settledAt!).toBeGreaterThan(t0);
    expect(counts.readRounds()).toBe(2);
    await sim.stop();
  });

  it('reads issued in the same turn share one heartbeat round (thesis 6.4 batching)', async () => {
    const seed = seedOr(4105);
    const ids = ['a', 'b', 'c'];
    const sim = new Simulation({ seed, nodes: ids, replay });
    await sim.start();
    const leader = await sim.waitForLeader();
    const acked = await commitMany(sim, leader, 3);
    await sim.runFor(100);
    const counts = countFrom(sim, leader);
    const reads = Array.from({ length: 50 }, () => issueRead(sim, leader));
    await sim.runUntil(() => reads.every((r) => r.state !== 'pending'), 100, 'the reads');
    expect(reads.every((r) => r.state === 'fulfilled')).toBe(true);
    // One round to each of the two followers confirmed all fifty reads.
    expect(counts.readRounds()).toBe(2);
    const index = sim.acknowledged.get(acked[acked.length - 1]!)!;
    for (const r of reads) expect(r.index).toBeGreaterThanOrEqual(index);
    await sim.stop();
  });
});

describe('reads on a leader that lost its quorum', () => {
  for (const checkQuorum of [true, false]) {
    it(`never resolve with a stale value (checkQuorum ${checkQuorum})`, async () => {
      const seed = seedOr(checkQuorum ? 4201 : 4202);
      const ids = ['a', 'b', 'c', 'd', 'e'];
      const sim = new Simulation({ seed, nodes: ids, replay, tuning: { checkQuorum } });
      await sim.start();
      const old = await sim.waitForLeader();
      await commitMany(sim, old, 3);
      const followers = ids.filter((id) => id !== old);
      const minority = [old, followers[0]!];
      const majority = followers.slice(1);
      sim.network.partition([minority, majority]);
      const oldTerm = sim.status(old).term;

      // Reads on the old leader and on its follower, while the majority elects and writes.
      const reads: ReadRecord[] = [];
      let oldLedUntil = sim.clock.now();
      let newWrites: string[] = [];
      let newLeader: string | null = null;
      while (sim.clock.now() < 1_500 + oldLedUntil && reads.length < 200) {
        if (sim.status(old).role === 'leader') {
          oldLedUntil = sim.clock.now();
          reads.push(issueRead(sim, old, 800));
        }
        if (sim.status(minority[1]!).leader !== null) reads.push(issueRead(sim, minority[1]!, 800));
        await sim.runFor(10);
        newLeader = majority.find((id) => sim.status(id).role === 'leader') ?? null;
        if (newLeader && newWrites.length === 0)
          newWrites = [sim.propose(newLeader).command, sim.propose(newLeader).command];
        if (newWrites.length > 0 && newWrites.every((c) => sim.acknowledged.has(c))) break;
      }
      await sim.runUntil(
        () => newWrites.length > 0 && newWrites.every((c) => sim.acknowledged.has(c)),
        3_000,
        'the majority committing writes',
      );
      expect(sim.status(newLeader!).term).toBeGreaterThan(oldTerm);
      // Without check-quorum the old leader still believes it leads while the majority writes.
      if (!checkQuorum) expect(sim.status(old)).toMatchObject({ role: 'leader', term: oldTerm });
      expect(reads.filter((r) => r.node === old).length).toBeGreaterThan(0);
      await sim.runFor(200);
      for (const r of reads)
        expect(r.state, `read on ${r.node} issued at ${r.issuedAt}`).not.toBe('fulfilled');

      sim.network.heal();
      await sim.runUntil(() => reads.every((r) => r.state !== 'pending'), 3_000, 'every read settled');
      for (const r of reads) {
        expect(r.state).toBe('rejected');
        expect(
          r.error instanceof OutcomeUnknownError ||
            (r.error instanceof ProposalRefusedError && /^(NOT_LEADER|NO_LEADER)$/.test(r.error.code)),
          `read on ${r.node}: ${String(r.error)}`,
        ).toBe(true);
      }
      // Once back with the majority, a read on the old leader sees the majority's writes.
      await sim.runUntil(() => sim.status(old).leader === newLeader, 2_000, 'the old leader following');
      const after = issueRead(sim, old);
      await sim.runUntil(() => after.state !== 'pending', 2_000, 'a read after healing');
      expect(after.state).toBe('fulfilled');
      for (const c of newWrites) expect(after.stateAtResolve).toContain(c);
      await sim.converge();
      sim.checkFinal();
      await sim.stop();
    });
  }
});
