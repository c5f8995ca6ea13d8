import { seededRandom } from '@webraft/core';
import { Simulation, type SimulationOptions } from '@webraft/core/testing';
import { RaftLeaderFeed } from '../src/index.js';
import { LeadershipChecker } from './sim/leadership-checker.js';

/**
 * A Raft cluster on the core's simulator (virtual clock) with a `RaftLeaderFeed` on every node, and
 * the leadership checker run after every simulated event.
 */
export class RaftFeedCluster {
  readonly sim: Simulation;
  readonly feeds = new Map<string, RaftLeaderFeed>();
  readonly checker = new LeadershipChecker([]);

  constructor(options: SimulationOptions) {
    this.sim = new Simulation(options);
  }

  async start(): Promise<void> {
    await this.sim.start();
    for (const id of this.sim.ids) await this.startFeed(id);
  }

  /** A feed on node `id`'s current Raft instance (a restarted node gets a new one). */
  async startFeed(id: string): Promise<RaftLeaderFeed> {
    const feed = new RaftLeaderFeed(this.sim.raft(id), {
      clock: this.sim.clock,
      random: seededRandom(this.sim.seed ^ id.charCodeAt(id.length - 1) ^ this.sim.steps),
    });
    this.feeds.set(id, feed);
    this.checker.watch(feed);
    await feed.start();
    return feed;
  }

  get leaders(): RaftLeaderFeed[] {
    return [...this.feeds.values()].filter((f) => f.isLeader);
  }

  /** Runs until `done()`, checking the leadership invariants before every event. */
  runUntil(done: () => boolean, maxMs: number, what: string): Promise<void> {
    return this.sim.runUntil(
      () => {
        this.checker.check();
        return done();
      },
      maxMs,
      what,
    );
  }

  /** Runs `ms` virtual milliseconds, checking the leadership invariants before every event. */
  async runFor(ms: number): Promise<void> {
    const until = this.sim.clock.now() + ms;
    await this.runUntil(
      () => {
        const next = this.sim.clock.peekTime();
        return next === undefined || next > until;
      },
      ms + 1,
      `running ${ms} ms`,
    );
    this.sim.clock.advanceTo(until);
    this.checker.check();
  }

  async waitForFeedLeader(maxMs = 5000): Promise<RaftLeaderFeed> {
    await this.runUntil(() => this.leaders.length === 1, maxMs, 'a feed leading');
    return this.leaders[0]!;
  }

  async stop(): Promise<void> {
    const stopping = Promise.all([...this.feeds.values()].map((f) => f.stop()));
    await this.sim.runFor(1000);
    await stopping;
    await this.sim.stop();
  }
}
