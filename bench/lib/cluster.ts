/**
 * A cluster of RaftInterface nodes in this process over one MemoryNetwork, with MemoryStorage and a
 * trivial state machine: the setup every Raft benchmark shares. Default tuning and default timeouts.
 */
import {
  type MemoryDelivery,
  MemoryNetwork,
  MemoryStorage,
  RaftInterface,
  type RaftTuning,
  type StateMachine,
} from '@webraft/core';
import { now } from './stats.js';

/** The trivial state machine: a counter. `apply` returns the new value. */
export class Counter implements StateMachine {
  value = 0;
  apply(): unknown {
    return ++this.value;
  }
  snapshot(): unknown {
    return this.value;
  }
  restore(snapshot: unknown): void {
    this.value = snapshot as number;
  }
}

/** What every benchmark proposes. */
export const COMMAND = { op: 'inc' } as const;

export interface Member {
  id: string;
  raft: RaftInterface;
  storage: MemoryStorage;
  transport: ReturnType<MemoryNetwork['transport']>;
  machine: Counter;
}

/** Counters by kind (see `Cluster.stopCounting`). */
export type Tally = Map<string, number>;

function count(tally: Tally, key: string): void {
  tally.set(key, (tally.get(key) ?? 0) + 1);
}

/** `after - before`, per operation, for the keys that moved. */
export function perOp(after: Tally, before: Tally, ops: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of [...after].sort()) {
    const d = v - (before.get(k) ?? 0);
    if (d > 0) out[k] = Number((d / ops).toPrecision(3));
  }
  return out;
}

export interface Cluster {
  network: MemoryNetwork;
  members: Member[];
  /** Messages written, by type (`append` split into `append+entries` and `append (empty)`). */
  messages: Tally;
  /** Storage writes by role of the writer at the time and by what the batch holds. */
  persists: Tally;
  /**
   * Event-loop work: `tasks` (setImmediate calls in the process: MemoryNetwork deliveries and the
   * runtime's deferred work), `timers set` (setTimeout calls) and processing rounds (`RaftCore.ready()` calls) by role. Counted from
   * `start()` until `stopCounting()`.
   */
  loop: Tally;
  /**
   * Removes the counting wrappers (they cost a few percent and show up in profiles): count during a
   * warm-up, then measure without them.
   */
  stopCounting(): void;
  /** Resolves with the first member that reports `leader` (from the moment the cluster was made). */
  firstLeader: Promise<Member>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * `tuning` (e.g. `{ readPolicy: 'lease' }`) is set on every node; the defaults otherwise. `delivery`:
 * the MemoryNetwork's (all of a turn's messages in one task, or each in its own).
 */
export function makeCluster(
  size: number,
  tuning: Partial<RaftTuning> = {},
  delivery: MemoryDelivery = 'batched',
): Cluster {
  const network = new MemoryNetwork({ delivery });
  const ids = Array.from({ length: size }, (_, i) => `n${i + 1}`);
  let onLeader!: (m: Member) => void;
  const firstLeader = new Promise<Member>((resolve) => {
    onLeader = resolve;
  });
  const messages: Tally = new Map();
  const persists: Tally = new Map();
  const loop: Tally = new Map();
  const uninstall: (() => void)[] = [];
  const members = ids.map((id): Member => {
    const storage = new MemoryStorage();
    const transport = network.transport(id);
    const machine = new Counter();
    // Count what goes over the network and into storage, with wrappers (own properties shadowing the
    // prototype methods) that stopCounting() deletes.
    const createInstance = transport.createInstance;
    transport.createInstance = (to) => {
      const instance = createInstance.call(transport, to);
      const write = instance.write.bind(instance);
      instance.write = (payload: unknown) => {
        const m = payload as { type?: string; entries?: unknown[] };
        count(
          messages,
          m.type === 'append' ? (m.entries?.length ? 'append+entries' : 'append (empty)') : String(m.type),
        );
        write(payload);
      };
      uninstall.push(() => delete (instance as Partial<typeof instance>).write);
      return instance;
    };
    uninstall.push(() => {
      transport.createInstance = createInstance;
    });
    const persist = storage.persist.bind(storage);
    storage.persist = (batch) => {
      const role = raft.state === 'leader' ? 'leader' : 'follower';
      const parts = (['entries', 'hardState', 'compaction', 'snapshot'] as const).filter(
        (k) => batch[k] !== undefined,
      );
      count(persists, `${role}: ${parts.join('+')}`);
      return persist(batch);
    };
    uninstall.push(() => delete (storage as Partial<MemoryStorage>).persist);
    const raft = new RaftInterface(id, { ...tuning, peers: ids, transport, storage, stateMachine: machine });
    const member: Member = { id, raft, storage, transport, machine };
    raft.listen('leader', () => onLeader(member));
    raft.listen('error', (error) => {
      // Nothing should go wrong in a healthy in-memory cluster: make it loud.
      console.error(`[${id}] error event:`, error);
    });
    return member;
  });
  return {
    network,
    members,
    messages,
    persists,
    loop,
    stopCounting() {
      for (const undo of uninstall.splice(0)) undo();
    },
    firstLeader,
    async start() {
      await Promise.all(members.map((m) => m.raft.start()));
      if (uninstall.length === 0) return; // counting was stopped
      const setImmediate = globalThis.setImmediate;
      globalThis.setImmediate = ((...args: Parameters<typeof setImmediate>) => {
        count(loop, 'tasks');
        return setImmediate(...args);
      }) as typeof setImmediate;
      const setTimeout = globalThis.setTimeout;
      globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
        count(loop, 'timers set');
        return setTimeout(...args);
      }) as typeof setTimeout;
      uninstall.push(() => {
        globalThis.setImmediate = setImmediate;
        globalThis.setTimeout = setTimeout;
      });
      for (const m of members) {
        const core = m.raft.raftNode.protocol;
        const ready = core.ready.bind(core);
        core.ready = (maxApply) => {
          count(loop, `rounds: ${core.role === 'leader' ? 'leader' : 'follower'}`);
          return ready(maxApply);
        };
        uninstall.push(() => delete (core as Partial<typeof core>).ready);
      }
    },
    async stop() {
      await Promise.all(members.map((m) => m.raft.stop()));
    },
  };
}

/**
 * Starts a cluster and makes n1 the leader right away (campaign) instead of waiting for an election
 * timeout, then commits one entry so that every node knows the leader. For the throughput benchmarks.
 */
export async function startedCluster(
  size: number,
  tuning: Partial<RaftTuning> = {},
  delivery: MemoryDelivery = 'batched',
): Promise<{ cluster: Cluster; leader: Member }> {
  const cluster = makeCluster(size, tuning, delivery);
  await cluster.start();
  cluster.members[0]!.raft.raftNode.campaign();
  const leader = await withTimeout(cluster.firstLeader, 5000, 'no leader within 5 s');
  await leader.raft.propose(COMMAND);
  return { cluster, leader };
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(what)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Closed loop of proposals on `raft`: keeps `inflight` outstanding until `total` have committed. With
 * `latencies`/`indexes`, entry i holds the i-th proposal's latency (ms) and log index.
 */
export function closedLoop(
  raft: RaftInterface,
  inflight: number,
  total: number,
  latencies: Float64Array | null,
  indexes: Float64Array | null = null,
): Promise<void> {
  const propose = (i: number) =>
    raft.propose(COMMAND).then((result) => {
      if (indexes) indexes[i] = result.index;
    });
  return closedLoopOf(propose, inflight, total, latencies);
}

/**
 * Closed loop over any operation: keeps `inflight` calls of `op` outstanding until `total` have
 * resolved. With `latencies`, latencies[i] is the time (ms) from the i-th call to its resolution.
 */
export function closedLoopOf(
  op: (i: number) => Promise<unknown>,
  inflight: number,
  total: number,
  latencies: Float64Array | null,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let issued = 0;
    let done = 0;
    let failed = false;
    const issue = (): void => {
      const i = issued++;
      const start = now();
      op(i).then(
        () => {
          if (latencies) latencies[i] = now() - start;
          done++;
          if (issued < total) issue();
          else if (done === total) resolve();
        },
        (error: unknown) => {
          if (failed) return;
          failed = true;
          reject(error);
        },
      );
    };
    for (let k = 0; k < Math.min(inflight, total); k++) issue();
    if (total === 0) resolve();
  });
}

/**
 * Calls `check` on every turn of the event loop (setImmediate, no timers) until it returns true;
 * rejects after `timeoutMs`. Checking costs a getter or two per turn.
 */
export function everyTurnUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = now() + timeoutMs;
    const poll = (): void => {
      let done: boolean;
      try {
        done = check();
      } catch (error) {
        reject(error);
        return;
      }
      if (done) resolve();
      else if (now() > deadline) reject(new Error(what));
      else setImmediate(poll);
    };
    poll();
  });
}
