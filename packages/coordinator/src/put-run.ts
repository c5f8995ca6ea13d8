import type { Clock, RandomSource } from '@webraft/core';
import { COMMIT_LEVELS, type CommitLevel, ONE, requiredReplicas } from './commit-level.js';
import { ReplicationFailedError } from './errors.js';
import type { Location } from './options.js';
import { classify, type PeerClass, type PeerEntry } from './peer-directory.js';
import { type Placed, type PlacementView, replacementFor } from './placement.js';
import { LOCAL_REPLICA, type PutAck, type PutReport, type ReplicaReport } from './put-report.js';

/** What a put needs from its coordinator. */
export interface PutHost {
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly location: Readonly<Location>;
  /** The peers as they are now (a re-placement sees peers added or dropped since the put began). */
  view(): PlacementView;
  writeLocal(key: string, event: unknown, done: (error?: unknown) => void): void;
  writeRemote(entry: PeerEntry, key: string, event: unknown, done: (error?: unknown) => void): void;
  /** The replicas are placed (recorded in the report); their writes begin right after. */
  placed(report: PutReport): void;
  replicaSettled(report: PutReport, replica: ReplicaReport): void;
  settled(report: PutReport): void;
}

/** A callback that counts its first call only: a peer client calling back twice changes nothing. */
function once(callback: (error?: unknown) => void): (error?: unknown) => void {
  let called = false;
  return (error?: unknown) => {
    if (called) return;
    called = true;
    callback(error);
  };
}

/**
 * One put: writes the local replica and the placed remote ones at once, re-places each failure on a
 * peer not tried yet ("get it done") until the factor is met or peers run out, acknowledges as soon as
 * the commit level holds, and goes on until every replica has ended.
 */
export class PutRun {
  readonly report: PutReport;
  readonly #host: PutHost;
  readonly #event: unknown;
  readonly #started: number;
  /** Every peer id this put chose, so none is chosen twice. */
  readonly #taken = new Set<string>();
  readonly #errors = new Map<string, unknown>();
  #pending = 0;
  #localEnded = false;
  #done = false;
  readonly #resolve: (ack: PutAck) => void;
  readonly #reject: (error: ReplicationFailedError) => void;

  constructor(
    host: PutHost,
    key: string,
    event: unknown,
    commitLevel: CommitLevel,
    replicationFactor: number,
    settle: { resolve: (ack: PutAck) => void; reject: (error: ReplicationFailedError) => void },
  ) {
    this.#host = host;
    this.#event = event;
    this.#started = host.clock.now();
    this.#resolve = settle.resolve;
    this.#reject = settle.reject;
    this.report = {
      key,
      commitLevel,
      replicationFactor,
      required: requiredReplicas(commitLevel, replicationFactor),
      replicas: [],
      durable: 0,
      levels: {},
      settled: false,
    };
  }

  #now(): number {
    return this.#host.clock.now() - this.#started;
  }

  /** Starts every replica. All are chosen before any is written, so a synchronous failure cannot re-pick one. */
  start(placed: readonly Placed[]): void {
    for (const { entry } of placed) this.#taken.add(entry.id);
    const local = this.#record(null, 'local');
    const remote = placed.map(({ entry, role }) => ({ entry, replica: this.#record(entry, role) }));
    this.#host.placed(this.report);
    this.#host.writeLocal(
      this.report.key,
      this.#event,
      once((error) => this.#ended(local, 'local', error)),
    );
    for (const { entry, replica } of remote) this.#writeRemote(entry, replica);
  }

  #record(entry: PeerEntry | null, role: ReplicaReport['role'], replaces?: string): ReplicaReport {
    const replica: ReplicaReport = {
      id: entry?.id ?? LOCAL_REPLICA,
      peer: entry?.peer ?? null,
      ...(entry?.zone !== undefined && { zone: entry.zone }),
      ...(entry?.region !== undefined && { region: entry.region }),
      role,
      ...(replaces !== undefined && { replaces }),
      status: 'pending',
      startedMs: this.#now(),
    };
    this.report.replicas.push(replica);
    this.#pending++;
    return replica;
  }

  #writeRemote(entry: PeerEntry, replica: ReplicaReport): void {
    const where = classify(entry, this.#host.location);
    const done = once((error) => this.#ended(replica, where, error));
    try {
      this.#host.writeRemote(entry, this.report.key, this.#event, done);
    } catch (error) {
      // A peer client that throws instead of calling back failed this replica, nothing else.
      done(error);
    }
  }

  #ended(replica: ReplicaReport, where: PeerClass | 'local', error: unknown): void {
    this.#pending--;
    replica.settledMs = this.#now();
    if (where === 'local') this.#localEnded = true;
    if (error === undefined || error === null) {
      replica.status = 'stored';
      this.report.durable++;
    } else {
      replica.status = 'failed';
      replica.error = error;
      this.#errors.set(replica.id, error);
      this.#replace(replica, where);
    }
    this.#markLevels();
    this.#host.replicaSettled(this.report, replica);
    this.#acknowledgeOrFail();
    if (this.#pending === 0 && !this.report.settled) {
      this.report.settled = true;
      this.#host.settled(this.report);
    }
  }

  /** "Get it done": a failed replica goes to a peer this put has not tried, if there is one. */
  #replace(failed: ReplicaReport, where: PeerClass | 'local'): void {
    const entry = replacementFor(this.#host.view(), where, this.#host.random, this.#taken);
    if (entry === undefined) return;
    this.#taken.add(entry.id);
    this.#writeRemote(entry, this.#record(entry, 'replacement', failed.id));
  }

  /** ONE is the local write, unless it failed: then any one durable replica. */
  #reached(level: CommitLevel): boolean {
    const { durable, replicationFactor } = this.report;
    if (level === ONE) return durable >= 1 && this.#localEnded;
    return durable >= requiredReplicas(level, replicationFactor);
  }

  #markLevels(): void {
    for (const level of COMMIT_LEVELS)
      if (this.report.levels[level] === undefined && this.#reached(level))
        this.report.levels[level] = this.#now();
  }

  #acknowledgeOrFail(): void {
    if (this.#done) return;
    const { report } = this;
    if (this.#reached(report.commitLevel)) {
      this.#done = true;
      report.acknowledgedMs = this.#now();
      const durable = report.replicas.filter((r) => r.status === 'stored').map((r) => r.id);
      this.#resolve({
        key: report.key,
        commitLevel: report.commitLevel,
        durable,
        elapsedMs: report.acknowledgedMs,
        report,
      });
      return;
    }
    // Every replica still pending may yet succeed; the level is lost only when even that is too few.
    if (report.durable + this.#pending < report.required || this.#pending === 0) {
      this.#done = true;
      report.error = new ReplicationFailedError(
        report.commitLevel,
        report.required,
        report.durable,
        this.#errors,
      );
      this.#reject(report.error);
    }
  }
}
