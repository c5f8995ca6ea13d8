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
