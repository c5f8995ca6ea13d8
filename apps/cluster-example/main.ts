/**
 * A 3-node webraft cluster in one Node process, over the in-memory network, replicating a small
 * key-value store. It elects a leader, proposes commands on the leader and on a follower (which
 * forwards them), stops the leader, waits for a new one and commits again, then stops everything.
 *
 * Run it with `pnpm demo:cluster` from the repository root. Everything waits on events (`leader`, `updated`),
 * never on sleeps.
 */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { MemoryNetwork, RaftInterface, type StateMachine } from '@webraft/core';

// ------------------------------------------------------------------ the state machine

/** The commands the key-value store understands. Commands must be JSON-serializable. */
export type KvCommand =
  | { op: 'set'; key: string; value: string | number }
  | { op: 'delete'; key: string }
  | { op: 'incr'; key: string; by: number };

/** One command as a node's state machine applied it. */
export interface AppliedCommand {
  index: number;
  term: number;
  command: KvCommand;
  result: unknown;
}

/**
 * A deterministic key-value store: every node applies the same commands in the same order and ends
 * in the same state. What `apply` returns is the `result` the proposer's `propose()` resolves with.
 */
export class KvStore implements StateMachine {
  readonly data = new Map<string, string | number>();
  /** Every command this instance applied, in order (bookkeeping for the demo, not replicated state). */
  readonly applied: AppliedCommand[] = [];
  readonly #onApply: ((applied: AppliedCommand) => void) | undefined;

  constructor(onApply?: (applied: AppliedCommand) => void) {
    this.#onApply = onApply;
  }

  apply(command: unknown, meta: { index: number; term: number }): unknown {
    const cmd = command as KvCommand;
    let result: unknown;
    switch (cmd.op) {
      case 'set':
        // Returns the previous value.
        result = this.data.get(cmd.key) ?? null;
        this.data.set(cmd.key, cmd.value);
        break;
      case 'delete':
        result = this.data.delete(cmd.key);
        break;
      case 'incr': {
        const current = this.data.get(cmd.key) ?? 0;
        // Throwing is deterministic too: every node throws, and the proposer's promise rejects.
        if (typeof current !== 'number') throw new TypeError(`${cmd.key} is not a number`);
        result = current + cmd.by;
        this.data.set(cmd.key, current + cmd.by);
        break;
      }
      default:
        throw new TypeError(`unknown command ${JSON.stringify(command)}`);
    }
    const applied = { index: meta.index, term: meta.term, command: cmd, result };
    this.applied.push(applied);
    this.#onApply?.(applied);
    return result;
  }

  snapshot(): unknown {
    return Object.fromEntries(this.data);
  }

  restore(snapshot: unknown): void {
    this.data.clear();
    for (const [key, value] of Object.entries(snapshot as Record<string, string | number>)) {
      this.data.set(key, value);
    }
  }
}

// ------------------------------------------------------------------ waiting on events

/** How long the demo waits for any one step before it gives up (a failure bound, not a sleep). */
const STEP_TIMEOUT_MS = 10_000;

function withTimeout<T>(what: string, executor: (resolve: (value: T) => void) => () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let cleanup = (): void => {};
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out after ${STEP_TIMEOUT_MS} ms waiting for ${what}`));
    }, STEP_TIMEOUT_MS);
    cleanup = executor((value) => {
      clearTimeout(timer);
      cleanup();
      resolve(value);
    });
  });
}

/** Resolves with the first of `nodes` to become leader (from its `leader` event). */
function nextLeader(nodes: RaftInterface[]): Promise<RaftInterface> {
  return withTimeout('a leader', (resolve) => {
    const unbinds = nodes.map((node) => node.listen('leader', () => resolve(node)));
    return () => {
      for (const unbind of unbinds) unbind();
    };
  });
}

/** Resolves once every one of `nodes` has applied the entry at `index` (from their `updated` events). */
function appliedEverywhere(nodes: RaftInterface[], index: number): Promise<void> {
  return withTimeout(
    `index ${index} to be applied on ${nodes.map((n) => n.address).join(', ')}`,
    (resolve) => {
      const check = (): void => {
        if (nodes.every((node) => node.lastApplied >= index)) resolve();
      };
      const unbinds = nodes.map((node) => node.listen('updated', check));
      queueMicrotask(check);
      return () => {
        for (const unbind of unbinds) unbind();
      };
    },
  );
}

// ------------------------------------------------------------------ the demo

export interface ExampleOptions {
  /** Where progress lines go; defaults to the console. */
  log?: (line: string) => void;
}

export interface ProposalRecord {
  from: string;
  role: string;
  command: KvCommand;
  index: number;
  term: number;
  result: unknown;
}

export interface ExampleResult {
  /** Every `leader` event, in order: which node won which term. */
  elections: { node: string; term: number }[];
  /** The first leader, which the demo stopped. */
  stoppedLeader: string;
  /** The leader elected after it stopped. */
  newLeader: string;
  /** Every proposal the demo made, with what `propose()` resolved with. */
  proposals: ProposalRecord[];
  /** Per node: the commands its state machine applied, in order. */
  applied: Record<string, AppliedCommand[]>;
  /** Per node: the key-value store's final contents. */
  state: Record<string, Record<string, string | number>>;
}

const describe = (cmd: KvCommand): string =>
  cmd.op === 'set'
    ? `set ${cmd.key} = ${JSON.stringify(cmd.value)}`
    : cmd.op === 'incr'
      ? `incr ${cmd.key} by ${cmd.by}`
      : `delete ${cmd.key}`;

export async function main(options: ExampleOptions = {}): Promise<ExampleResult> {
  const startedAt = performance.now();
  const print = options.log ?? ((line: string) => console.log(line));
  const log = (line: string): void =>
    print(`${`+${Math.round(performance.now() - startedAt)}ms`.padStart(8)}  ${line}`);

  const ids = ['n1', 'n2', 'n3'];
  const network = new MemoryNetwork();
  const stores = new Map<string, KvStore>();
  const elections: ExampleResult['elections'] = [];
  const proposals: ProposalRecord[] = [];

  const nodes = ids.map((id) => {
    const store = new KvStore((a) =>
      log(
        `[${id}] apply #${a.index} (term ${a.term}): ${describe(a.command)} -> ${JSON.stringify(a.result)}`,
      ),
    );
    stores.set(id, store);
    const raft = new RaftInterface(id, {
      peers: ids, // the initial voters, the same list on every node
      transport: network.transport(id),
      stateMachine: store,
    });
    // Listeners added before start() are kept.
    raft.listen('candidate', () => log(`[${id}] starts an election for term ${raft.term}`));
    raft.listen('leader', () => {
      elections.push({ node: id, term: raft.term });
      log(`[${id}] is the leader of term ${raft.term}`);
    });
    raft.listen('error', (error) => log(`[${id}] error: ${error.message}`));
    return raft;
  });

  const propose = async (node: RaftInterface, command: KvCommand): Promise<ProposalRecord> => {
    const role = node.state;
    log(`[${node.address}] propose ${describe(command)} (as ${role})`);
    const { index, term, result } = await node.propose(command);
    log(
      `[${node.address}] proposal ${describe(command)} committed at index ${index}, term ${term}, result ${JSON.stringify(result)}`,
    );
    const record = { from: node.address, role, command, index, term, result };
    proposals.push(record);
    return record;
  };

  try {
    log(`starting ${ids.join(', ')} over a MemoryNetwork`);
    const firstLeader = nextLeader(nodes);
    await Promise.all(nodes.map((node) => node.start()));
    const leader = await firstLeader;
    const follower = nodes.find((node) => node !== leader)!;

    // On the leader: two proposals in flight at once.
    const [a, b] = await Promise.all([
      propose(leader, { op: 'set', key: 'greeting', value: 'hello' }),
      propose(leader, { op: 'incr', key: 'counter', by: 1 }),
    ]);
    // Once a follower applied an entry of this term it knows the leader, and can forward proposals to it.
    await appliedEverywhere(nodes, Math.max(a.index, b.index));
    const c = await propose(follower, { op: 'incr', key: 'counter', by: 2 });
    await appliedEverywhere(nodes, c.index);

    // Stop the leader; the two others elect a new one (a majority of 3 is 2).
    const survivors = nodes.filter((node) => node !== leader);
    const newLeaderElected = nextLeader(survivors);
    log(`stopping the leader ${leader.address}`);
    await leader.stop();
    const newLeader = await newLeaderElected;
    const d = await propose(newLeader, { op: 'incr', key: 'counter', by: 10 });
    await appliedEverywhere(survivors, d.index);
    const survivingFollower = survivors.find((node) => node !== newLeader)!;
    const e = await propose(survivingFollower, { op: 'set', key: 'greeting', value: 'hello again' });
    await appliedEverywhere(survivors, e.index);

    const state: ExampleResult['state'] = {};
    const applied: ExampleResult['applied'] = {};
    for (const [id, store] of stores) {
      state[id] = Object.fromEntries(store.data);
      applied[id] = [...store.applied];
      log(`[${id}] ${leader.address === id ? '(stopped) ' : ''}state: ${JSON.stringify(state[id])}`);
    }
    return {
      elections,
      stoppedLeader: leader.address,
      newLeader: newLeader.address,
      proposals,
      applied,
      state,
    };
  } finally {
    await Promise.all(nodes.map((node) => node.stop()));
    log('all nodes stopped');
  }
}

/** Whether this module is the program being run (not imported, as by the test). */
function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  try {
    await main();
    // stop() releases every timer and connection, so the process ends by itself. If it does not,
    // something still holds the event loop: fail loudly instead of hanging.
    setTimeout(() => {
      console.error('the process is still alive 2 s after every node stopped: something leaked a handle');
      process.exit(1);
    }, 2000).unref();
  } catch (error) {
    console.error(error);
    process.exitCode = 1;
  }
}
