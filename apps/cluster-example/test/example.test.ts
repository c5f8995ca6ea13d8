import { describe, expect, it } from 'vitest';
import { main } from '../main.js';

describe('cluster example', () => {
  it('elects a leader, commits from leader and follower, survives losing the leader', async () => {
    const lines: string[] = [];
    const result = await main({ log: (line) => lines.push(line) });

    // Two elections at least: the first leader, then one among the two survivors in a later term.
    const first = result.elections.find((e) => e.node === result.stoppedLeader);
    const second = result.elections.at(-1);
    expect(first).toBeDefined();
    expect(second?.node).toBe(result.newLeader);
    expect(result.newLeader).not.toBe(result.stoppedLeader);
    expect(second!.term).toBeGreaterThan(first!.term);

    // Five proposals, from both roles, each committed at a distinct, increasing index.
    expect(result.proposals.map((p) => p.role)).toEqual([
      'leader',
      'leader',
      'follower',
      'leader',
      'follower',
    ]);
    const indexes = result.proposals.map((p) => p.index);
    expect(new Set(indexes).size).toBe(5);
    expect(result.proposals.map((p) => p.result)).toEqual([null, 1, 3, 13, 'hello']);

    // The survivors applied the same commands in the same order; the stopped leader a prefix of it.
    const survivors = Object.keys(result.applied).filter((id) => id !== result.stoppedLeader);
    expect(survivors).toHaveLength(2);
    const [s1, s2] = survivors.map((id) => result.applied[id]!);
    expect(s1).toEqual(s2);
    expect(s1!.map((a) => a.index)).toEqual([...indexes].sort((x, y) => x - y));
    const stopped = result.applied[result.stoppedLeader]!;
    expect(stopped).toEqual(s1!.slice(0, stopped.length));
    expect(stopped.length).toBeGreaterThanOrEqual(3);

    // Every command applied exactly once: the counter is 1 + 2 + 10.
    for (const id of survivors) expect(result.state[id]).toEqual({ greeting: 'hello again', counter: 13 });
    expect(lines.some((line) => line.includes('all nodes stopped'))).toBe(true);
  });
});
