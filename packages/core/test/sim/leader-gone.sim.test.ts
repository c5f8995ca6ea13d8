import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/errors.js';
import { Simulation, UNRELIABLE } from '../../src/testing/index.js';
import {
  addFilter,
  flushMicrotasks,
  forEachSeed,
  nodeIds,
  pick,
  replayFor,
  runChecking,
  scenarioRandom,
  seedsOr,
  startClients,
} from './scenario-helpers.js';

// `leaderGone` (RaftCore.leaderGone): a liveness hint that the leader's process ended. SEED=s replays one seed.
const FILE = 'leader-gone.sim.test.ts';
const replay = replayFor(FILE);
const ELECTION_TIMEOUT = 100;

/**
 * Delivers the hint to every live node; returns how many acted on it. The nodes' work after it runs
 * as promise work, which the simulator runs between its events: run it now, at the hint's time.
 */
async function hintAll(sim: Simulation, leader: string, term: number): Promise<number> {
  let acted = 0;
  for (const id of sim.liveIds()) if (sim.raft(id).leaderGone(leader, term)) acted++;
  await flushMicrotasks();
  return acted;
}

/** Runs until a live node leads `term`'s successor or later and has committed an entry of its term. */
async function waitForNewLeader(sim: Simulation, afterTerm: number, maxMs: number): Promise<string> {
  await sim.runUntil(
    () => {
      const id = sim.leader();
      if (id === null) return false;
      const s = sim.status(id);
      return s.term > afterTerm && sim.raft(id).raftNode.protocol.log.term(s.commitIndex) === s.term;
    },
    maxMs,
    'a new leader after the hint',
  );
  return sim.leader()!;
}

describe('leaderGone: a crashed leader is replaced without waiting for the election timeout', () => {
  it('the followers that are told elect one leader in the next term, within a few message delays', async () => {
    await forEachSeed(seedsOr([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), FILE, async (seed) => {
      for (const size of [3, 5]) {
        const ids = nodeIds(size);
        const sim = new Simulation({ seed, nodes: ids, replay, electionTimeout: ELECTION_TIMEOUT });
        await sim.start();
        const old = await sim.waitForLeader(2_000);
        const term = sim.status(old).term;
        sim.crash(old);
        const crashedAt = sim.clock.now();
        expect(await hintAll(sim, old, term)).toBe(size - 1);
        // The tie-break of hinted pre-votes leaves one candidate: no split vote, so the next term
        // wins, long before the first election timeout (>= 100 virtual ms) could have fired.
        const next = await waitForNewLeader(sim, term, ELECTION_TIMEOUT / 2);
        expect(sim.status(next).term, `seed ${seed}, ${size} nodes`).toBe(term + 1);
        expect(sim.clock.now() - crashedAt).toBeLessThan(ELECTION_TIMEOUT / 2);
        await sim.stop();
      }
    });
  });

  it('a vote request refused for the lease before the hint arrived is granted once it does', async () => {
    await forEachSeed(seedsOr([11, 12, 13, 14, 15]), FILE, async (seed) => {
      const ids = nodeIds(3);
      const sim = new Simulation({ seed, nodes: ids, replay, electionTimeout: ELECTION_TIMEOUT });
      await sim.start();
      const old = await sim.waitForLeader(2_000);
      const term = sim.status(old).term;
      const [first, late] = ids.filter((id) => id !== old) as [string, string];
      sim.crash(old);
      // Only `first` is told at once; `late` gets `first`'s pre-vote while it still counts on the
      // leader (and refuses it), and is told some virtual time later.
      expect(sim.raft(first).leaderGone(old, term)).toBe(true);
      await flushMicrotasks();
      await sim.runUntil(() => sim.status(first).role === 'precandidate', 10, 'first campaigns');
      await sim.runFor(5);
      expect(sim.status(late).leader).toBe(old);
      expect(sim.raft(late).leaderGone(old, term)).toBe(true);
      await flushMicrotasks();
      const next = await waitForNewLeader(sim, term, ELECTION_TIMEOUT / 2);
      expect(next, `seed ${seed}`).toBe(first);
      await sim.stop();
    });
  });
});

describe("the 'leader changed' event", () => {
  it('says who leads in which term, and when no leader is known', async () => {
    const seed = seedsOr([51])[0]!;
    const ids = nodeIds(3);
    const sim = new Simulation({ seed, nodes: ids, replay, electionTimeout: ELECTION_TIMEOUT });
    await sim.start();
    const old = await sim.waitForLeader(2_000);
    const term = sim.status(old).term;
    const watcher = ids.find((id) => id !== old)!;
    const seen: [string | null, number][] = [];
    sim.raft(watcher).listen('leader changed', (leader, t) => void seen.push([leader, t]));
    sim.crash(old);
    expect(await hintAll(sim, old, term)).toBe(2);
    const next = await waitForNewLeader(sim, term, ELECTION_TIMEOUT / 2);
    expect(seen[0]).toEqual([null, term]);
    expect(seen.at(-1)).toEqual([next, term + 1]);
    await sim.stop();
  });
});

describe('leaderGone: stale hints are ignored', () => {
  it('another term, another leader, the leader itself, a node not started: nothing changes', async () => {
    const seed = seedsOr([21])[0]!;
    const ids = nodeIds(3);
    const sim = new Simulation({ seed, nodes: ids, replay, electionTimeout: ELECTION_TIMEOUT });
    await sim.start();
    const leader = await sim.waitForLeader(2_000);
    const term = sim.status(leader).term;
    const follower = ids.find((id) => id !== leader)!;
    const other = ids.find((id) => id !== leader && id !== follower)!;
    expect(sim.raft(follower).leaderGone(leader, term - 1)).toBe(false);
    expect(sim.raft(follower).leaderGone(leader, term + 1)).toBe(false);
    expect(sim.raft(follower).leaderGone(other, term)).toBe(false);
    expect(sim.raft(leader).leaderGone(leader, term)).toBe(false);
    expect(sim.status(follower).leader).toBe(leader);
    expect(sim.status(follower).role).toBe('follower');
    // Bad input: a typed error, and the node goes on following.
    expect(() => sim.raft(follower).leaderGone('', term)).toThrow(ConfigurationError);
    expect(() => sim.raft(follower).leaderGone(leader, -1)).toThrow(ConfigurationError);
    expect(() => sim.raft(follower).leaderGone(leader, 1.5)).toThrow(ConfigurationError);
    expect(() => sim.raft(follower).leaderGone(42 as unknown as string, term)).toThrow(ConfigurationError);
    await sim.runFor(5 * ELECTION_TIMEOUT);
    expect(sim.leaders()).toEqual([leader]);
    expect(sim.status(follower).term).toBe(term);
    await sim.stop();
  });

  it('a hint about the old process of a restarted leader is ignored once it leads a later term', async () => {
    await forEachSeed(seedsOr([31, 32, 33, 34, 35, 36]), FILE, async (seed) => {
      const ids = nodeIds(3);
      const sim = new Simulation({ seed, nodes: ids, replay, electionTimeout: ELECTION_TIMEOUT });
      await sim.start();
      const old = await sim.waitForLeader(2_000);
      const oldTerm = sim.status(old).term;
      // The leader restarts (an adoption in a browser) and leads again, in a later term, before the
      // lock of its old process is seen free.
      sim.crash(old);
      await sim.startNode(old);
      for (const id of ids) if (id !== old) sim.raft(id).raftNode.campaign();
      await sim.runUntil(
        () => sim.leader() !== null && sim.status(sim.leader()!).term > oldTerm,
        10 * ELECTION_TIMEOUT,
        'a leader of a later term',
      );
      const now = sim.leader()!;
      const nowTerm = sim.status(now).term;
      for (const id of sim.liveIds()) expect(sim.raft(id).leaderGone(old, oldTerm)).toBe(false);
      await sim.runFor(2 * ELECTION_TIMEOUT);
      expect(sim.leaders()).toEqual([now]);
      expect(sim.status(now).term, `seed ${seed}`).toBe(nowTerm);
      await sim.stop();
    });
  });

  it("with readPolicy 'lease' the hint keeps the lease: no vote before it ends, the election right after", async () => {
    const seed = seedsOr([41])[0]!;
    const ids = nodeIds(3);
    const sim = new Simulation({
      seed,
      nodes: ids,
      replay,
      electionTimeout: ELECTION_TIMEOUT,
      tuning: { readPolicy: 'lease' },
    });
    await sim.start();
    const old = await sim.waitForLeader(2_000);
    const term = sim.status(old).term;
    const followers = ids.filter((id) => id !== old);
    // The leader is merely cut off, and may serve lease reads until its lease ends.
    sim.network.isolate(old, ids);
    const cutAt = sim.clock.now();
    expect(await hintAll(sim, old, term)).toBe(followers.length);
    await runChecking(sim, ELECTION_TIMEOUT - 30, () => {
      for (const id of followers)
        if (sim.status(id).term !== term) sim.fail(`${id} moved to a new term within the leader's lease`);
    });
    const next = await waitForNewLeader(sim, term, 2 * ELECTION_TIMEOUT);
    expect(next).not.toBe(old);
    // Sooner than a plain election timeout ([t, 2t) after the last heartbeat) would allow at worst.
    expect(sim.clock.now() - cutAt).toBeLessThan(ELECTION_TIMEOUT + 60);
    await sim.stop();
  });
});

describe('leaderGone: hints at random never break safety', () => {
  it('hints to random nodes, right or wrong, while the leader is slow, crashes and restarts: one leader per term, nothing acknowledged lost', async () => {
    await forEachSeed(seedsOr([101, 102, 103, 104, 105, 106, 107, 108]), FILE, async (seed) => {
      const ids = nodeIds(5);
      const rnd = scenarioRandom(seed, 0x1ead);
      const sim = new Simulation({
        seed,
        nodes: ids,
        replay,
        electionTimeout: ELECTION_TIMEOUT,
        faults: UNRELIABLE,
      });
      await sim.start();
      await sim.waitForLeader(5_000);
      // The leader of the moment is slow: most of its messages wait up to an election timeout.
      addFilter(sim, (from, to, m) => {
        if (from !== sim.leader() || rnd() < 0.3) return true;
        sim.clock.setTimer(rnd() * ELECTION_TIMEOUT, () => {
          if (sim.isAlive(to) && !sim.network.isCut(from, to)) sim.raft(to).gotData(from, m);
        });
        return false;
      });
      const clients = startClients(sim, rnd, 3, { timeoutMs: 500, pauseMs: 20 });
      let hints = 0;
      let acted = 0;
      for (let round = 0; round < 60; round++) {
        await runChecking(sim, 5 + rnd() * 40, () => undefined);
        const live = sim.liveIds();
        const roll = rnd();
        if (roll < 0.1 && live.length === ids.length) {
          const victim = pick(rnd, live);
          sim.crash(victim);
          if (rnd() < 0.5) await hintAll(sim, victim, sim.status(sim.liveIds()[0]!).term);
        } else if (roll < 0.2 && live.length < ids.length) {
          await sim.startNode(
            pick(
              rnd,
              ids.filter((id) => !sim.isAlive(id)),
            ),
          );
        } else {
          // A hint, true or not: the node's own leader and term, a random node, a stale term.
          const to = pick(rnd, sim.liveIds());
          const s = sim.status(to);
          const named = rnd() < 0.7 && s.leader !== null ? s.leader : pick(rnd, ids);
          const term = rnd() < 0.8 ? s.term : Math.max(0, s.term - 1);
          hints++;
          if (sim.raft(to).leaderGone(named, term)) acted++;
          await flushMicrotasks();
        }
      }
      clients.stop();
      sim.network.filter = null;
      for (const id of ids) if (!sim.isAlive(id)) await sim.startNode(id);
      await sim.converge(30_000);
      sim.checkFinal();
      expect(hints, `seed ${seed}`).toBeGreaterThan(20);
      expect(acted, `seed ${seed}: some hints were acted on`).toBeGreaterThan(0);
      expect(
        clients.acked.reduce((a, b) => a + b, 0),
        `seed ${seed}`,
      ).toBeGreaterThan(0);
      await sim.stop();
    });
  });
});
