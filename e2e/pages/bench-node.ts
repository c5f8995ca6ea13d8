/** What the benchmark pages share: a trivial state machine, a node with a steady leader, a closed loop. */
import { RaftInterface, type StateMachine } from '@webraft/core';

/** A trivial state machine, as in the Node benchmarks (bench/lib/cluster.ts). */
export class Counter implements StateMachine {
  n = 0;
  apply(): unknown {
    return ++this.n;
  }
  snapshot(): unknown {
    return this.n;
  }
  restore(snapshot: unknown): void {
    this.n = snapshot as number;
  }
}

/**
 * Followers wait 1 s (not 200 ms) before they stand for election: the benchmarks measure a steady
 * leader, and on a loaded two-core machine a page busy with 100 proposals in flight can be late with its
 * heartbeats. The commit path does not depend on these timeouts.
 */
export class BenchRaft extends RaftInterface {
  override get heartbeatTimeout(): number {
    return 1000;
  }
  override get electionTimeout(): number {
    return 1000 + Math.random() * 1000;
  }
}

/** Latencies (ms) of the measured operations, and the seconds they took together. */
export interface Run {
  latencies: number[];
  seconds: number;
}

/** Runs `op` `warmup + ops` times with `inflight` outstanding; measures the `ops` after the warm-up. */
export async function closedLoop(
  inflight: number,
  ops: number,
  warmup: number,
  op: (i: number) => Promise<unknown>,
): Promise<Run> {
  const total = ops + warmup;
  const latencies: number[] = [];
  let next = 0;
  let finished = 0;
  let start = 0;
  let end = 0;
  const worker = async () => {
    while (next < total) {
      const i = next++;
      const t0 = performance.now();
      await op(i);
      const t = performance.now();
      if (i >= warmup) latencies.push(t - t0);
      if (++finished === warmup) start = t;
      end = t;
    }
  };
  await Promise.all(Array.from({ length: inflight }, worker));
  return { latencies, seconds: (end - start) / 1000 };
}

/** Closed-loop proposals of `command` on `node`, which must lead throughout (a benchmark of a steady leader). */
export async function proposeAsLeader(
  node: RaftInterface | null,
  command: unknown,
  ops: number,
  warmup: number,
  inflight: number,
): Promise<Run> {
  if (!node) throw new Error('startNode() first');
  const run = await closedLoop(inflight, ops, warmup, () => node.propose(command));
  if (node.state !== 'leader') throw new Error('leadership changed during the run');
  return run;
}

/** A commit's message pattern without Raft: one frame to each peer, timed at the first answer and the last. */
export interface FanOutLoop {
  /** Call on each answer to round trip `n`. */
  answer(n: number): void;
  /** Resolves when every round trip has had all its answers. */
  result: Promise<{ first: Run; all: Run }>;
}

/**
 * Closed-loop round trips to `peers` peers: `send(n)` sends round trip `n`'s frame to each of them, and
 * the next round trip starts at a round trip's first answer, as the next commit does (a majority of 3).
 * `inflight` are outstanding; the `ops` after `warmup` are measured, at the first answer and at the last.
 */
export function fanOutLoop(
  peers: number,
  ops: number,
  warmup: number,
  inflight: number,
  send: (n: number) => void,
): FanOutLoop {
  const total = ops + warmup;
  const sentAt = new Float64Array(total);
  const answers = new Uint8Array(total);
  const first: number[] = [];
  const all: number[] = [];
  let next = 0;
  let done = 0;
  let firstStart = 0;
  let firstEnd = 0;
  let allStart = 0;
  let resolve!: (value: { first: Run; all: Run }) => void;
  const result = new Promise<{ first: Run; all: Run }>((r) => {
    resolve = r;
  });
  const start = () => {
    const n = next++;
    sentAt[n] = performance.now();
    send(n);
  };
  const answer = (n: number) => {
    const t = performance.now();
    const count = ++answers[n]!;
    if (count === 1) {
      if (n >= warmup) first.push(t - sentAt[n]!);
      else if (n === warmup - 1) firstStart = t;
      firstEnd = t;
      if (next < total) start();
    }
    if (count === peers) {
      if (n >= warmup) all.push(t - sentAt[n]!);
      if (++done === warmup) allStart = t;
      if (done === total)
        resolve({
          first: { latencies: first, seconds: (firstEnd - firstStart) / 1000 },
          all: { latencies: all, seconds: (t - allStart) / 1000 },
        });
    }
  };
  for (let i = 0; i < Math.min(inflight, total); i++) start();
  return { answer, result };
}
