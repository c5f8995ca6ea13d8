/**
 * Regression tests for the runtime and API layers (RaftNode, RaftInterface, MemoryStorage), one per
 * bug found in a review: each failed before its fix. All runs are deterministic: the simulator's
 * virtual clock, or a VirtualClock + SimNetwork harness built here.
 */
import { describe, expect, it } from 'vitest';
import { RaftInterface } from '../src/api/raft-interface.js';
import { ApplicationError, OutcomeUnknownError, ProposalRefusedError } from '../src/errors.js';
import type { Entry } from '../src/protocol/types.js';
import { seededRandom } from '../src/runtime/clock.js';
import type { StateMachine } from '../src/runtime/options.js';
import { SessionTable } from '../src/runtime/sessions.js';
import { MemoryStorage } from '../src/storage/memory.js';
import {
  ClockDriver,
  RecordingStateMachine,
  SimNetwork,
  Simulation,
  VirtualClock,
} from '../src/testing/index.js';
import { MemoryNetwork } from '../src/transport/memory.js';
import type { NodeInstance, Transport } from '../src/transport/types.js';
import { addFilter, flushMicrotasks, track } from './sim/scenario-helpers.js';

declare const setImmediate: (callback: () => void) => unknown;

/** Lets pending promise work run (the runtime's continuations between two virtual events). */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A state machine that records every command it is given, as JSON, in order. */
class Log implements StateMachine {
  applied: string[] = [];
  apply(command: unknown): unknown {
    this.applied.push(JSON.stringify(command));
    return this.applied.length;
  }
  snapshot(): unknown {
    return [...this.applied];
  }
  restore(snapshot: unknown): void {
    this.applied = [...(snapshot as string[])];
  }
}

/**
 * A tiny deterministic harness: real RaftInterface nodes on a VirtualClock over a SimNetwork, with
 * MemoryStorage and options of the test's choosing (the Simulation fixes `clientId` per start).
 */
class Harness extends ClockDriver {
  readonly clock = new VirtualClock();
  readonly net = new SimNetwork(this.clock, seededRandom(1));
  readonly nodes = new Map<string, RaftInterface>();

  make(id: string, options: ConstructorParameters<typeof RaftInterface>[1]): RaftInterface {
    const clock = this.clock;
    class Node extends RaftInterface {
      override get heartbeatTimeout(): number {
        return 100;
      }
      override get heartbeatFrequency(): number {
        return 20;
      }
    }
    const raft = new Node(id, {
      clock,
      random: seededRandom(
        [...id].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 16777619), 2166136261) >>> 0,
      ),
      transport: this.net.transport(id),
      ...options,
    });
    this.nodes.set(id, raft);
    return raft;
  }

  async step(): Promise<boolean> {
    if (!this.clock.runNext()) return false;
    await settle();
    return true;
  }

  protected timedOut(message: string): never {
    throw new Error(message);
  }
}

/** A 3-node simulation with a leader that has committed an entry of its term. */
async function cluster(seed: number, tuning?: ConstructorParameters<typeof Simulation>[0]['tuning']) {
  const sim = new Simulation({ seed, nodes: ['n1', 'n2', 'n3'], tuning });
  await sim.start();
  const leader = await sim.waitForLeader();
  const follower = sim.ids.find((id) => id !== leader)!;
  return { sim, leader, follower };
}

describe('runtime and API regressions', () => {
  it('with a fixed clientId option, a restarted node applies its new proposals (not taken for retries of the old ones)', async () => {
    const h = new Harness();
    const storage = new MemoryStorage();
    const first = new Log();
    // No injected `random`: each incarnation draws its own randomness, as in production.
    const a = h.make('a', { peers: ['a'], storage, stateMachine: first, clientId: 'app', random: undefined });
    await a.start();
    await h.runUntil(() => a.state === 'leader', 2_000, 'a leading');
    const r1 = track(a.propose({ n: 1 }));
    await h.runUntil(() => r1.state() !== 'pending', 2_000, 'first proposal');
    expect(r1.value()).toMatchObject({ result: 1 });
    await a.stop();

    // A restart over the same data with the same (documented) clientId option.
    const second = new Log();
    const b = h.make('a', {
      peers: ['a'],
      storage: storage.reopen(),
      stateMachine: second,
      clientId: 'app',
      random: undefined,
    });
    await b.start();
    await h.runUntil(() => b.state === 'leader', 2_000, 'a leading again');
    const r2 = track(b.propose({ n: 2 }));
    await h.runUntil(() => r2.state() !== 'pending', 2_000, 'second proposal');
    await h.runFor(200);
    // {n:2} must have been applied once and propose() must resolve with *its* application.
    expect(second.applied).toEqual(['{"n":1}', '{"n":2}']);
    expect(r2.state()).toBe('fulfilled');
    expect(r2.value()!.result).toBe(2);
    await b.stop();
  });

  it('a proposal aborted before it was sent is refused (ABORTED), never reaches the log and is not retried', async () => {
    const { sim, leader, follower } = await cluster(11);
    const ac = new AbortController();
    const p = track(sim.raft(follower).propose({ id: 'aborted' }, { signal: ac.signal }));
    ac.abort();
    await sim.runFor(3_000);
    expect(p.state()).toBe('rejected');
    expect(p.error()).toBeInstanceOf(ProposalRefusedError);
    expect((p.error() as ProposalRefusedError).code).toBe('ABORTED');
    const copies = sim
      .raft(leader)
      .raftNode.protocol.log.entries.filter(
        (e: Entry) => (e.data as { id?: string } | undefined)?.id === 'aborted',
      );
    expect(copies.length).toBe(0);
    // Nothing of it is kept for retries either.
    const pending = (sim.raft(follower).raftNode as unknown as { proposals: { waiting: { size: number } } })
      .proposals.waiting;
    expect(pending.size).toBe(0);
    await sim.stop();
  });

  it('a throwing `updated` listener is reported as an ApplicationError and the whole batch is still applied', async () => {
    const { sim, leader, follower } = await cluster(12);
    let thrown = false;
    const errors: unknown[] = [];
    sim.raft(follower).listen('error', (e) => void errors.push(e));
    sim.raft(follower).listen('updated', () => {
      if (!thrown) {
        thrown = true;
        throw new Error('a bug in the UI layer');
      }
    });
    // Three proposals in one turn: one append, one commit, one apply batch on the follower.
    for (let i = 0; i < 3; i++) sim.propose(leader);
    await sim.runFor(500);
    for (let i = 0; i < 3; i++) sim.propose(leader);
    await sim.runFor(500);
    expect(thrown).toBe(true);
    // The listener's failure must not change what the state machine applies.
    expect(sim.stateMachine(follower).applied).toEqual(sim.stateMachine(leader).applied);
    expect(sim.stateMachine(follower).applied).toHaveLength(6);
    expect(
      errors.filter((e) => e instanceof ApplicationError && e.where === "'updated' listener"),
    ).toHaveLength(1);
    await sim.stop();
  });

  it('a forwarded proposal delivered twice gets one decision: its first copy commits and its promise resolves', async () => {
    // With maxUncommittedEntries 1 the leader would refuse a second copy while the first is
    // uncommitted, and the proposer would report "refused" for a command that commits.
    const { sim, leader, follower } = await cluster(13, { maxUncommittedEntries: 1 });
    addFilter(sim, (from, to, m) => {
      // The transport contract allows duplication: deliver every forwarded proposal twice.
      if (m.type === 'propose') sim.raft(to).gotData(from, structuredClone(m));
      return true;
    });
    const { command, result } = sim.propose(follower, { timeoutMs: 2_000 });
    const outcome = track(result);
    await sim.runFor(1_000);
    expect(outcome.state(), String(outcome.error())).toBe('fulfilled');
    expect(sim.stateMachine(leader).applied.filter((c) => c === command)).toHaveLength(1);
    await sim.stop();
  });

  it('stop() while start() is still loading storage leaves the node stopped, with no timer armed', async () => {
    const clock = new VirtualClock();
    const network = new MemoryNetwork();
    const raft = new RaftInterface('a', { peers: ['a'], clock, transport: network.transport('a') });
    const started = raft.start();
    await raft.stop();
    await started.catch(() => undefined);
    await settle();
    expect(raft.state).toBe('stopped');
    expect(raft.raftNode.isRunning).toBe(false);
    expect(clock.peekTime()).toBeUndefined();
  });

  it('unlisten(type, h) removes h from that event only, when h listens to two events', async () => {
    const h = new Harness();
    const a = h.make('a', { peers: ['a'] });
    await a.start();
    const calls: unknown[][] = [];
    const handler = (...args: unknown[]) => void calls.push(args);
    a.listen('leader', handler);
    a.listen('state changed', handler);
    a.unlisten('leader', handler);
    await h.runUntil(() => a.state === 'leader', 2_000, 'a leading');
    // Only 'state changed' is still subscribed: calls with (state, previous), none from 'leader' (no
    // arguments). A candidate counts its own vote once it is durable, so it is seen being one.
    expect(calls).toEqual([
      ['candidate', 'follower'],
      ['leader', 'candidate'],
    ]);
    await a.stop();
  });

  it('the function listen() returns unsubscribes, leaving nothing behind after many cycles', async () => {
    const h = new Harness();
    const a = h.make('a', { peers: ['a'] });
    await a.start();
    let calls = 0;
    for (let i = 0; i < 1_000; i++) {
      const off = a.listen('updated', () => void calls++);
      off();
    }
    const kept = a.listen('updated', () => void calls++);
    expect(a.raftNode.events.events.updated).toHaveLength(1);
    await h.runUntil(() => a.state === 'leader', 2_000, 'a leading');
    const r = track(a.propose({ n: 1 }));
    await h.runUntil(() => r.state() !== 'pending', 2_000, 'the proposal');
    expect(calls).toBe(1);
    kept();
    expect(a.raftNode.events.events.updated).toHaveLength(0);
    await a.stop();
  });

  it('a command with an own "__proto__" key is stored as applied, so a restart replays the same command', async () => {
    const h = new Harness();
    const storage = new MemoryStorage();
    const first = new Log();
    const a = h.make('a', { peers: ['a'], storage, stateMachine: first });
    await a.start();
    await h.runUntil(() => a.state === 'leader', 2_000, 'a leading');
    // Plain JSON (say, user keys in a key-value command); JSON.parse makes "__proto__" an own key.
    const command = JSON.parse('{"set":{"__proto__":{"admin":true}}}');
    const r = track(a.propose(command));
    await h.runUntil(() => r.state() !== 'pending', 2_000, 'the proposal');
    expect(first.applied).toEqual(['{"set":{"__proto__":{"admin":true}}}']);
    await a.stop();

    const second = new Log();
    const b = h.make('a', { peers: ['a'], storage: storage.reopen(), stateMachine: second });
    await b.start();
    await h.runUntil(() => second.applied.length === 1, 2_000, 'the replay');
    // The replay must apply the very command the first incarnation (and every other node) applied.
    expect(second.applied).toEqual(first.applied);
    await b.stop();
  });

  it('sessions expire at fixed log positions, whatever the apply batches (every node decides alike)', () => {
    // Before, expiry ran when 1024 indexes had passed since the last check, once per apply batch, so
    // it depended on where batches ended. Client c's last entry is at index 1.
    const record = { index: 1, term: 1, result: 'r' };
    const table = new SessionTable();
    table.record('c', 1, record);
    // Past the expiry distance (1,000,000 entries), but not at a multiple of 1024: nothing is forgotten.
    table.expire(1_000_100);
    expect(table.lookup('c', 1)).toEqual(record);
    // At the next multiple of 1024 (977 * 1024 = 1,000,448) the client is forgotten.
    table.expire(977 * 1024);
    expect(table.lookup('c', 1)).toBe(false);
    // A second table that saw every index (as a node applying one entry per batch would) agrees.
    const other = new SessionTable();
    other.record('c', 1, record);
    for (let i = 2; i <= 977 * 1024; i++) other.expire(i);
    expect(other.lookup('c', 1)).toBe(false);
    expect(other.size).toBe(table.size);
  });

  it('a peer removed from the configuration has its NodeInstance closed (NodeInstance.close: when it leaves)', async () => {
    const sim = new Simulation({ seed: 15, nodes: ['n1', 'n2', 'n3'] });
    const closed: string[] = [];
    const original = sim.network.transport.bind(sim.network);
    sim.network.transport = (address: string): Transport => {
      const t = original(address);
      return {
        ...t,
        createInstance: (to): NodeInstance => {
          const instance = t.createInstance(to);
          const close = instance.close.bind(instance);
          instance.close = () => {
            closed.push(`${address}->${to}`);
            close();
          };
          return instance;
        },
      };
    };
    await sim.start();
    const leader = await sim.waitForLeader();
    const removed = sim.ids.find((id) => id !== leader)!;
    const left = track(sim.raft(leader).leave(removed));
    await sim.runUntil(() => left.state() !== 'pending', 5_000, 'leave');
    await sim.runFor(500);
    expect(left.state()).toBe('fulfilled');
    expect(closed).toContain(`${leader}->${removed}`);
    await sim.stop();
  });

  it('leave(self) on a follower resolves: the leader replicates the removal to it until it commits', async () => {
    const { sim, follower } = await cluster(16);
    const left = track(sim.raft(follower).leave(follower, { timeoutMs: 3_000 }));
    await sim.runFor(4_000);
    expect(left.state(), String(left.error())).toBe('fulfilled');
    await sim.stop();
  });

  it('a command proposed in the same turn as a refused configuration change still commits', async () => {
    const { sim, leader } = await cluster(17);
    const raft = sim.raft(leader);
    // Two membership calls and a command in one turn: they go to the protocol as one batch.
    const joins = [track(raft.join('x1')), track(raft.join('x2'))];
    const { command, result } = sim.propose(leader, { timeoutMs: 2_000 });
    const outcome = track(result);
    await sim.runFor(1_000);
    expect(joins.map((j) => j.state())).not.toContain('pending');
    // The command has nothing to do with membership: it must commit.
    expect(outcome.state(), `${command}: ${String(outcome.error())}`).toBe('fulfilled');
    await sim.stop();
  });

  it('join() of a server already in the appended configuration waits until that configuration is applied', async () => {
    const { sim, leader } = await cluster(18);
    const others = sim.ids.filter((id) => id !== leader);
    // The leader is cut off: nothing it appends from now on can commit.
    sim.network.partition([[leader], others]);
    const first = track(sim.raft(leader).join('x', { timeoutMs: 1_000 }));
    await flushMicrotasks(10);
    // A second call for the same change (a retry, another tab's code path) sees 'x' in the
    // *appended* configuration and returns without waiting for it to commit.
    const second = track(sim.raft(leader).join('x', { timeoutMs: 1_000 }));
    await sim.runFor(1_500);
    sim.network.heal();
    await sim.runFor(2_000);
    const newLeader = sim.leader()!;
    const committed = sim.status(newLeader).config;
    const xJoined = committed.voters.includes('x') || committed.learners.includes('x');
    // The leader's appended change was truncated away by the new leader: x never joined, and both
    // calls end without claiming it did.
    expect(xJoined).toBe(false);
    expect(first.state()).toBe('rejected');
    expect(second.state()).toBe('rejected');
    expect(second.error()).toBeInstanceOf(OutcomeUnknownError);
    await sim.stop();
  });

  it('a listener that throws during an election cannot stop the node: the cluster still elects', async () => {
    const h = new Harness();
    const peers = ['a', 'b', 'c'];
    const nodes = peers.map((id) => h.make(id, { peers }));
    for (const n of nodes) {
      let thrown = false;
      n.listen('heartbeat timeout', () => {
        if (thrown) return;
        thrown = true;
        throw new Error('a bug in the UI layer');
      });
      await n.start();
    }
    // As in a browser: an exception thrown from a timer callback is reported and the loop goes on.
    let escaped = 0;
    const until = h.clock.now() + 3_000;
    while (!nodes.some((n) => n.state === 'leader') && (h.clock.peekTime() ?? Infinity) <= until) {
      try {
        h.clock.runNext();
      } catch {
        escaped++;
      }
      await settle();
    }
    expect(
      nodes.map((n) => n.state),
      `${escaped} exceptions escaped into the timer`,
    ).toContain('leader');
    // crash(), not stop(): a leader's stop() transfers leadership first, which needs the clock driven.
    for (const n of nodes) n.raftNode.crash();
  });

  it("fires 'start election' once per election (a pre-vote and the vote after it count once), also on one node", async () => {
    const h = new Harness();
    const solo = h.make('s', { peers: ['s'] });
    const counts = { timeout: 0, election: 0, leader: 0 };
    solo.listen('heartbeat timeout', () => void counts.timeout++);
    solo.listen('start election', () => void counts.election++);
    solo.listen('leader', () => void counts.leader++);
    await solo.start();
    await h.runUntil(() => solo.state === 'leader', 2_000, 's leading');
    // follower -> pre-candidate -> candidate -> leader within one timer callback.
    expect(counts).toEqual({ timeout: 1, election: 1, leader: 1 });
    solo.raftNode.crash();

    const h3 = new Harness();
    const peers = ['a', 'b', 'c'];
    const nodes = peers.map((id) => h3.make(id, { peers }));
    const elections = new Map<string, number>();
    for (const n of nodes)
      n.listen('start election', () => void elections.set(n.address, (elections.get(n.address) ?? 0) + 1));
    for (const n of nodes) await n.start();
    await h3.runUntil(() => nodes.some((n) => n.state === 'leader'), 3_000, 'a leader');
    for (const n of nodes) expect(elections.get(n.address) ?? 0).toBe(n.raftNode.protocol.electionsStarted);
    const leader = nodes.find((n) => n.state === 'leader')!;
    expect(elections.get(leader.address)).toBe(1);
    for (const n of nodes) n.raftNode.crash();
  });

  it('read() made before any leader is known waits for one, as propose() does', async () => {
    const h = new Harness();
    const peers = ['a', 'b', 'c'];
    const nodes = peers.map((id) => h.make(id, { peers }));
    for (const n of nodes) await n.start();
    const read = track(nodes[0]!.read({ timeoutMs: 3_000 }));
    await settle();
    expect(read.state()).toBe('pending');
    await h.runUntil(() => read.state() !== 'pending', 3_000, 'the read');
    expect(read.state(), String(read.error())).toBe('fulfilled');
    for (const n of nodes) n.raftNode.crash();
  });

  it("a node that installs a snapshot with a configuration change in it fires 'join' for the new member", async () => {
    const sim = new Simulation({
      seed: 19,
      nodes: ['n1', 'n2', 'n3'],
      tuning: { snapshotThreshold: 5, snapshotTrailingEntries: 0 },
    });
    sim.addNode('n4');
    await sim.start();
    const leader = await sim.waitForLeader();
    const lagging = sim.ids.find((id) => id !== leader && id !== 'n4')!;
    sim.crash(lagging);
    await sim.startNode('n4', []);
    const joined = track(sim.raft(leader).join('n4'));
    await sim.runUntil(() => joined.state() !== 'pending', 5_000, 'join');
    await sim.runUntil(() => sim.status(leader).config.voters.includes('n4'), 5_000, 'n4 promoted');
    // Enough entries for the leader to compact both configuration entries away.
    for (let i = 0; i < 20; i++) sim.propose(leader);
    await sim.runFor(1_000);
    expect(sim.raft(leader).raftNode.protocol.log.snapshotIndex).toBeGreaterThan(0);
    await sim.startNode(lagging);
    const joins: string[] = [];
    sim.raft(lagging).listen('join', (id) => void joins.push(id));
    await sim.converge();
    expect(joins).toEqual(['n4']);
    await sim.stop();
  });

  it('a command the state machine throws on rejects with APPLY_FAILED, and its session record keeps the failure', async () => {
    class Picky extends Log {
      override apply(command: unknown): unknown {
        if ((command as { fail?: boolean }).fail) throw new Error('refused by the application');
        return super.apply(command);
      }
    }
    const h = new Harness();
    const a = h.make('a', { peers: ['a'], stateMachine: new Picky() });
    await a.start();
    await h.runUntil(() => a.state === 'leader', 2_000, 'a leading');
    const r = track(a.propose({ fail: true }));
    await h.runUntil(() => r.state() !== 'pending', 2_000, 'the proposal');
    expect(r.error()).toBeInstanceOf(ProposalRefusedError);
    expect((r.error() as ProposalRefusedError).code).toBe('APPLY_FAILED');
    // A retry of it (same client and sequence number), on any node, is answered with the same failure.
    const table = new SessionTable();
    table.restore(
      JSON.parse(
        JSON.stringify(
          (a.raftNode as unknown as { applier: { sessions: SessionTable } }).applier.sessions.toSnapshot(),
        ),
      ),
    );
    const client = [
      ...(
        a.raftNode as unknown as { applier: { sessions: { sessions: Map<string, unknown> } } }
      ).applier.sessions.sessions.keys(),
    ][0]!;
    expect(table.lookup(client, 1)).toMatchObject({ error: 'Error: refused by the application' });
    await a.stop();
  });

  it('a state machine whose snapshot() throws is reported and the node goes on (without compacting)', async () => {
    class NoSnapshot extends Log {
      override snapshot(): unknown {
        throw new Error('cannot snapshot');
      }
    }
    const h = new Harness();
    const a = h.make('a', { peers: ['a'], stateMachine: new NoSnapshot(), snapshotThreshold: 2 });
    const errors: unknown[] = [];
    a.listen('error', (e) => void errors.push(e));
    await a.start();
    await h.runUntil(() => a.state === 'leader', 2_000, 'a leading');
    const results = [0, 1, 2, 3, 4].map((n) => track(a.propose({ n })));
    await h.runUntil(() => results.every((r) => r.state() !== 'pending'), 2_000, 'the proposals');
    expect(results.map((r) => r.state())).toEqual(Array(5).fill('fulfilled'));
    expect(errors.some((e) => e instanceof ApplicationError && e.where === 'stateMachine.snapshot()')).toBe(
      true,
    );
    expect(a.raftNode.protocol.log.snapshotIndex).toBe(0);
    await a.stop();
  });

  it('a state machine whose restore() throws on a snapshot from the leader fails the node, with an error event', async () => {
    const sim = new Simulation({
      seed: 20,
      nodes: ['n1', 'n2', 'n3'],
      tuning: { snapshotThreshold: 5, snapshotTrailingEntries: 0 },
      stateMachine: (onApply) =>
        new (class extends RecordingStateMachine {
          override restore(): void {
            throw new Error('cannot restore');
          }
        })(onApply),
    });
    await sim.start();
    const leader = await sim.waitForLeader();
    const lagging = sim.ids.find((id) => id !== leader)!;
    sim.crash(lagging);
    for (let i = 0; i < 20; i++) sim.propose(leader);
    await sim.runFor(1_000);
    await sim.startNode(lagging);
    const errors: unknown[] = [];
    sim.raft(lagging).listen('error', (e) => void errors.push(e));
    await sim.runFor(1_000);
    expect(errors.some((e) => e instanceof ApplicationError && e.where === 'stateMachine.restore()')).toBe(
      true,
    );
    expect(sim.raft(lagging).state).toBe('failed');
    await sim.stop();
  });

  it('a follower whose committed proposal reaches it inside a snapshot resolves it from the session table', async () => {
    const sim = new Simulation({
      seed: 21,
      nodes: ['n1', 'n2', 'n3'],
      tuning: { snapshotThreshold: 5, snapshotTrailingEntries: 0 },
    });
    await sim.start();
    const leader = await sim.waitForLeader();
    const follower = sim.ids.find((id) => id !== leader)!;
    // The follower's forwarded proposal gets through; nothing comes back to it until the leader
    // has compacted the entry away.
    sim.network.filter = (from, to, m) =>
      !(from === leader && to === follower) || (m as { type: string }).type === 'heartbeat';
    const { command, result } = sim.propose(follower, { timeoutMs: 5_000 });
    const outcome = track(result);
    await sim.runUntil(
      () => sim.stateMachine(leader).applied.includes(command),
      2_000,
      'applied on the leader',
    );
    for (let i = 0; i < 10; i++) sim.propose(leader);
    await sim.runFor(500);
    expect(sim.raft(leader).raftNode.protocol.log.snapshotIndex).toBeGreaterThan(0);
    sim.network.filter = undefined;
    await sim.runUntil(() => outcome.state() !== 'pending', 4_000, 'the proposal settling');
    expect(outcome.state(), String(outcome.error())).toBe('fulfilled');
    expect(sim.stateMachine(follower).applied.filter((c) => c === command)).toHaveLength(1);
    await sim.stop();
  });

  it('a proposal refused by the leader it was resent to (same leader, same term) is a refusal, not an unknown outcome', async () => {
    const h = new Harness();
    const peers = ['a', 'b', 'c'];
    // No check-quorum: the leader keeps leading while cut off, so its entry stays uncommitted.
    const nodes = peers.map((id) => h.make(id, { peers, maxUncommittedEntries: 1, checkQuorum: false }));
    for (const n of nodes) await n.start();
    await h.runUntil(() => nodes.some((n) => n.state === 'leader'), 3_000, 'a leader');
    const leader = nodes.find((n) => n.state === 'leader')!;
    const follower = nodes.find((n) => n !== leader)!;
    await h.runUntil(() => follower.lastApplied >= 1, 1_000, 'the no-op applied');
    // From now on the leader hears only forwarded proposals and answers only refusals.
    let proposes = 0;
    h.net.filter = (from, to, payload) => {
      const type = (payload as { type: string }).type;
      if (from === follower.address && to === leader.address && type === 'propose') return ++proposes > 1;
      if (from === leader.address && to === follower.address)
        return type === 'proposeRefused' || type === 'heartbeat';
      return false;
    };
    const local = track(leader.propose({ n: 'local' }, { timeoutMs: 5_000 }));
    await settle();
    // The first copy is lost; the runtime sends it again after the leader's messageTimeout, to the
    // same leader in the same term, which refuses it: one entry is uncommitted already.
    const forwarded = track(follower.propose({ n: 'forwarded' }, { timeoutMs: 5_000 }));
    await h.runUntil(() => forwarded.state() !== 'pending', 4_000, 'the forwarded proposal');
    expect(proposes).toBeGreaterThanOrEqual(2);
    expect(forwarded.error()).toBeInstanceOf(ProposalRefusedError);
    expect((forwarded.error() as ProposalRefusedError).code).toBe('UNCOMMITTED_LIMIT');
    expect(local.state(), String(local.error())).toBe('pending');
    for (const n of nodes) n.raftNode.crash();
  });

  it('a retry refused by a new leader while the first copy may still commit is an unknown outcome, and it does commit', async () => {
    const sim = new Simulation({ seed: 22, nodes: ['n1', 'n2', 'n3'], tuning: { maxUncommittedEntries: 1 } });
    await sim.start();
    const first = await sim.waitForLeader();
    const [proposer, next] = sim.ids.filter((id) => id !== first) as [string, string];
    const type = (m: unknown) => (m as { type: string }).type;
    // No acknowledgement reaches a leader, so nothing new commits; the proposer cannot win an election.
    sim.network.filter = (from, to, m) =>
      type(m) !== 'appendResponse' && !(from === proposer && type(m) === 'vote' && to === next);
    const { command, result } = sim.propose(proposer, { timeoutMs: 5_000 });
    const outcome = track(result);
    await sim.runUntil(
      () =>
        sim.raft(next).raftNode.protocol.log.entries.some((e) => (e.data as { id?: string })?.id === command),
      1_000,
      'the entry on the next leader',
    );
    // The first leader is cut off; the next one holds the entry, uncommitted, and refuses the
    // proposer's retry: with its own no-op, two entries are uncommitted.
    sim.network.isolate(first, sim.ids);
    await sim.runUntil(() => outcome.state() !== 'pending', 3_000, 'the proposal settling');
    expect(sim.leader()).toBe(next);
    expect(outcome.error()).toBeInstanceOf(OutcomeUnknownError);
    expect((outcome.error() as OutcomeUnknownError).code).toBe('UNCOMMITTED_LIMIT');
    // And the first copy commits once acknowledgements flow again.
    sim.network.filter = null;
    await sim.converge();
    expect(sim.stateMachine(proposer).applied.filter((c) => c === command)).toHaveLength(1);
    await sim.stop();
  });

  it('a proposer that becomes leader and refuses its own retry keeps waiting: the first copy commits', async () => {
    const sim = new Simulation({ seed: 23, nodes: ['n1', 'n2', 'n3'], tuning: { maxUncommittedEntries: 1 } });
    await sim.start();
    const first = await sim.waitForLeader();
    const [proposer, other] = sim.ids.filter((id) => id !== first) as [string, string];
    const type = (m: unknown) => (m as { type: string }).type;
    // Nothing commits (no acknowledgement gets through), and only the proposer can win an election.
    sim.network.filter = (from, _to, m) =>
      type(m) !== 'appendResponse' && !(from === other && type(m) === 'vote');
    const { command, result } = sim.propose(proposer, { timeoutMs: 5_000 });
    const outcome = track(result);
    await sim.runUntil(
      () =>
        sim
          .raft(proposer)
          .raftNode.protocol.log.entries.some((e) => (e.data as { id?: string })?.id === command),
      1_000,
      'the entry on the proposer',
    );
    // The proposer leads next. Its retry of its own proposal is refused by itself (two entries are
    // uncommitted), but the first copy is in its log and may commit: the promise must keep waiting.
    sim.network.isolate(first, sim.ids);
    await sim.runUntil(() => sim.leader() === proposer, 2_000, 'the proposer leading');
    await sim.runFor(300);
    expect(outcome.state()).toBe('pending');
    sim.network.filter = null;
    await sim.runUntil(() => outcome.state() !== 'pending', 3_000, 'the proposal settling');
    expect(outcome.state(), String(outcome.error())).toBe('fulfilled');
    await sim.stop();
  });
});
