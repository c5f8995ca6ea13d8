import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { type RedisProcess, startRedis } from '@webraft/server/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

// Several OS processes, each a RedisLeaderFeed (test/fixtures/redis-contender.ts) on one channel of a
// real redis-server started on a free loopback port for this file.
let redis: RedisProcess;
let channelSeq = 0;
const running: Contender[] = [];

beforeAll(async () => {
  redis = await startRedis();
}, 30_000);
afterEach(() => {
  for (const c of running.splice(0)) c.kill();
});
afterAll(async () => {
  await redis?.stop();
});

interface Report {
  id: string;
  type: 'ready' | 'leader' | 'follower' | 'held' | 'heartbeat error' | 'write';
  token?: number;
  at?: number;
  ok?: boolean;
  code?: string;
}

/** All reports of every contender of a test, in the order they arrived. */
type Log = Report[];

/** A contender process and the reports it printed. */
class Contender {
  readonly child: ChildProcess;
  private waiters: (() => void)[] = [];

  constructor(
    readonly id: string,
    channel: string,
    readonly log: Log,
  ) {
    const fixture = join(import.meta.dirname, 'fixtures', 'redis-contender.ts');
    this.child = spawn(
      process.execPath,
      ['--import', 'tsx', '--conditions=source', fixture, redis.url, channel, id],
      {
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    );
    let buffer = '';
    this.child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) log.push(JSON.parse(line) as Report);
      for (const wake of this.waiters.splice(0)) wake();
    });
    running.push(this);
  }

  /** Resolves with the first report of this contender from log index `since` on that `match`es, once it has arrived. */
  async report(match: (r: Report) => boolean, what: string, since = 0): Promise<Report> {
    for (;;) {
      const found = this.log.find((r, i) => i >= since && r.id === this.id && match(r));
      if (found) return found;
      if (this.child.exitCode !== null) throw new Error(`${this.id} exited before ${what}`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  send(line: string): void {
    this.child.stdin!.write(`${line}\n`);
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }
}

async function startContenders(n: number) {
  const channel = `processes-${++channelSeq}`;
  const log: Log = [];
  let seq = 0;
  const spawnOne = async () => {
    const c = new Contender(`proc${++seq}`, channel, log);
    await c.report((r) => r.type === 'ready', 'starting');
    return c;
  };
  const contenders = await Promise.all(Array.from({ length: n }, spawnOne));
  return { log, contenders, spawnOne };
}

/** The contender that leads under a token larger than `after`, once one reports it. */
async function leaderAfter(contenders: Contender[], after: number) {
  const report = await Promise.race(
    contenders.map((c) => c.report((r) => r.type === 'leader' && r.token! > after, `leading after ${after}`)),
  );
  return { contender: contenders.find((c) => c.id === report.id)!, token: report.token! };
}

/**
 * Each leadership's span, from its `leader` report to its last `held` sample (a process reports only
 * while its lease is unexpired on its own clock): sorted by start, spans must not overlap, tokens must
 * increase, and no token may name two processes.
 */
function checkLeaderships(log: Log) {
  const spans = new Map<number, { id: string; start: number; end: number }>();
  const problems: string[] = [];
  for (const r of log) {
    if (r.type !== 'leader' && r.type !== 'held') continue;
    const span = spans.get(r.token!);
    if (span && span.id !== r.id) problems.push(`token ${r.token} for ${span.id} and ${r.id}`);
    if (!span) spans.set(r.token!, { id: r.id, start: r.at!, end: r.at! });
    else span.end = Math.max(span.end, r.at!);
  }
  const ordered = [...spans].sort(([, a], [, b]) => a.start - b.start);
  for (let i = 1; i < ordered.length; i++) {
    const [prevToken, prev] = ordered[i - 1]!;
    const [token, span] = ordered[i]!;
    if (token <= prevToken)
      problems.push(`token ${token} (${span.id}) led after token ${prevToken} (${prev.id})`);
    if (span.start <= prev.end) {
      problems.push(
        `${span.id} (token ${token}) led at ${span.start} while ${prev.id} (token ${prevToken}) held its lease until ${prev.end}`,
      );
    }
  }
  return { problems, leaderships: ordered.length };
}

describe('RedisLeaderFeed in several OS processes on one redis-server', () => {
  it('four processes: one lease at a time, tokens increasing; the leader SIGKILLed, another leads with a larger token', async () => {
    const { log, contenders, spawnOne } = await startContenders(4);
    let leader = await leaderAfter(contenders, 0);
    for (let round = 0; round < 3; round++) {
      const { contender, token } = leader;
      await contender.report((r) => r.type === 'write' && r.token === token, 'its fenced write');
      const rest = contenders.filter((c) => c !== leader.contender);
      const next = leaderAfter(rest, leader.token);
      leader.contender.kill('SIGKILL'); // no resignation: the others wait out its key's expiry
      const second = await next;
      expect(second.token).toBeGreaterThan(leader.token);
      contenders.splice(contenders.indexOf(leader.contender), 1, await spawnOne());
      leader = second;
    }
    // A few heartbeats of the last leader, so its span is checked against the newcomers too.
    await leader.contender.report(
      (r) => r.type === 'held' && r.token === leader.token && r.at! > 0,
      'holding',
    );
    const { problems, leaderships } = checkLeaderships(log);
    expect(problems).toEqual([]);
    expect(leaderships).toBeGreaterThanOrEqual(4);
    // Every leader's job, a fenced write under its token, was accepted: no stale leader came after.
    const writes = log.filter((r) => r.type === 'write');
    expect(writes.length).toBeGreaterThanOrEqual(4);
    expect(writes.every((w) => w.ok)).toBe(true);
  });

  it('the leader process stopped (SIGSTOP) past its lease: another leads; on SIGCONT it steps down and its token is refused', async () => {
    const { log, contenders } = await startContenders(3);
    const first = await leaderAfter(contenders, 0);
    await first.contender.report((r) => r.type === 'write' && r.token === first.token, 'its fenced write');
    const rest = contenders.filter((c) => c !== first.contender);
    const next = leaderAfter(rest, first.token);
    first.contender.kill('SIGSTOP');
    const second = await next;
    expect(second.token).toBeGreaterThan(first.token);
    const accepted = await second.contender.report(
      (r) => r.type === 'write' && r.token === second.token,
      'a write',
    );
    expect(accepted.ok).toBe(true);

    first.contender.kill('SIGCONT');
    const stepped = await first.contender.report((r) => r.type === 'heartbeat error', 'stepping down');
    expect(['LEASE_EXPIRED', 'SUPERSEDED']).toContain(stepped.code);
    await first.contender.report((r) => r.type === 'follower', 'a follower');
    // The stale leader's write, under the token it led with, is refused by the fenced resource.
    const sent = log.length;
    first.contender.send('write');
    const stale = await first.contender.report((r) => r.type === 'write', 'its stale write', sent);
    expect(stale.token).toBe(first.token);
    expect(stale.ok).toBe(false);
    // And at no moment, the pause included, did two processes hold a lease.
    expect(checkLeaderships(log).problems).toEqual([]);
  });
});
