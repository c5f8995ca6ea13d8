import { type Clock, type RandomSource, systemClock } from '@webraft/core';
import { createNanoEvents, type Emitter, type Unsubscribe } from 'nanoevents';
import { DeadlineTimer } from './deadline-timer.js';
import { FeedStateError, LeadershipLostError } from './errors.js';
import { callExtension, withCallback } from './extension.js';
import { type LeaderFeedTimingOptions, type ResolvedTiming, resolveTiming } from './options.js';
import type { Callback, LeaderFeedEvents, LeaderFeedState, LeaderFeedStatus, LeaderRecord } from './types.js';

export interface LeaderFeedOptions extends LeaderFeedTimingOptions {
  /** This feed's id; a random one by default. */
  id?: string;
  /** Monotonic time and timers (the simulator's virtual clock in tests). */
  clock?: Clock;
  /** Election-timeout jitter; `Math.random` by default. */
  random?: RandomSource;
}

function randomId(): string {
  return Math.random().toString(36).slice(2, 10) + Math.random().toString(36).slice(2, 10);
}

/**
 * The seed's base class: one leader among the feeds sharing a backend, with randomized election
 * timeouts, and what the seed lacked: a fencing token per leadership, and a lease that a leader gives up
 * by itself before the backend can elect another (the package README, Tokens and leases).
 *
 * A backend implements the extension points, each returning a promise or calling a seed-style `done`:
 * `_start(opts)`, `_create()`, `_subscribe()`, `_unsubscribe()`, `_elect(id)`, `_heartbeat(token)` and,
 * optionally, `_resign(token)`. It reports every leader record it sees with `_receiveRecord`.
 */
export abstract class LeaderFeed<StartOptions = unknown> {
  readonly id: string;
  protected readonly timing: ResolvedTiming;
  protected readonly clock: Clock;
  private readonly random: RandomSource;
  private readonly events: Emitter<LeaderFeedEvents> = createNanoEvents<LeaderFeedEvents>();
  private currentStatus: LeaderFeedStatus = 'stopped';
  private currentState: LeaderFeedState = 'follower';
  private ownToken: number | undefined;
  /** The largest token this feed has led under: a record of it again is no hand-over, but the past. */
  private lastOwnToken = 0;
  private leaseEnd = Number.NEGATIVE_INFINITY;
  private known: LeaderRecord | undefined;
  private electing = false;
  private heartbeating = false;
  /** Bumped whenever the feed's leadership or lifecycle changes: an older request's answer is stale. */
  private generation = 0;
  private readonly electionTimer: DeadlineTimer;
  private readonly heartbeatTimer: DeadlineTimer;
  private readonly leaseTimer: DeadlineTimer;

  constructor(options: LeaderFeedOptions = {}) {
    this.timing = resolveTiming(options);
    this.id = options.id ?? randomId();
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.electionTimer = new DeadlineTimer(this.clock, () => void this.campaign());
    this.heartbeatTimer = new DeadlineTimer(this.clock, () => void this.heartbeat());
    this.leaseTimer = new DeadlineTimer(this.clock, () => this.checkLease());
  }

  // --- extension points (the seed's, promise-based) -------------------------------------------------

  /** Connects to the backend with the options given to `start`. */
  protected abstract _start(opts: StartOptions | undefined): Promise<void> | void;
  /** Creates what the backend needs (a table, a key, a channel). */
  protected abstract _create(): Promise<void> | void;
  /** Starts listening: report each leader record with `_receiveRecord`, other changes with `_emitChange`. */
  protected abstract _subscribe(): Promise<void> | void;
  protected abstract _unsubscribe(): Promise<void> | void;
  /**
   * Makes `id` the leader under a new, larger token if no other leadership holds a live lease (or the
   * live one is this feed's own: a hand-over). Resolves the record now current: `id`'s new one when
   * granted, else the holder's (or null when none is known).
   */
  protected abstract _elect(id: string): Promise<LeaderRecord | null> | LeaderRecord | null;
  /**
   * Renews the lease of this feed's leadership `token` for `electionTimeoutMinMs` of the backend's
   * time. Resolves false when the backend's record is no longer (this feed, `token`).
   */
  protected abstract _heartbeat(token: number): Promise<boolean> | boolean;
  /**
   * Resolves when this feed may campaign: a backend that must listen for a while first (to hear a
   * live leader) waits here, before the lease of a grant starts counting.
   */
  protected _untilReady(): Promise<void> | void {}
  /** Gives up leadership `token` on a graceful stop, so another feed need not wait out the lease. */
  protected _resign(_token: number): Promise<void> | void {}
  /**
   * The longest a follower waits, after hearing a resignation, before it campaigns (a random part of
   * it). A quarter of a heartbeat interval, so that one feed usually wins the backend's grant.
   */
  protected _resignationJitterMs(): number {
    return this.timing.heartbeatIntervalMs / 4;
  }

  // --- the seed's surface ---------------------------------------------------------------------------

  get status(): LeaderFeedStatus {
    return this.currentStatus;
  }

  get state(): LeaderFeedState {
    return this.currentState;
  }

  /** True while this feed leads and its lease, read on the monotonic clock now, has not run out. */
  get isLeader(): boolean {
    return this.currentState === 'leader' && this.clock.now() < this.leaseEnd;
  }

  /** This feed's fencing token while it is leader (undefined otherwise). */
  get token(): number | undefined {
    return this.isLeader ? this.ownToken : undefined;
  }

  /** The newest leadership this feed has seen (its own included), if any. */
  get leader(): LeaderRecord | undefined {
    return this.known;
  }

  /** The lease a leader gets per heartbeat, in the backend's time. */
  get leaseMs(): number {
    return this.timing.electionTimeoutMinMs;
  }

  on<E extends keyof LeaderFeedEvents>(event: E, listener: LeaderFeedEvents[E]): Unsubscribe {
    return this.events.on(event, listener);
  }

  start(opts?: StartOptions | Callback<this>, cb?: Callback<this>): Promise<this> {
    if (typeof opts === 'function') return this.start(undefined, opts as Callback<this>);
    return withCallback(this.doStart(opts), cb);
  }

  stop(cb?: Callback<void>): Promise<void> {
    return withCallback(this.doStop(), cb);
  }

  /**
   * Elects `id` (this feed by default). This feed is elected when no other leadership holds a live
   * lease; another id only when this feed is the leader (a hand-over: it steps down first) or no one
   * is. Resolves the record now current: the elected one, or the live leadership that prevented it.
   */
  elect(
    id?: string | Callback<LeaderRecord | null>,
    cb?: Callback<LeaderRecord | null>,
  ): Promise<LeaderRecord | null> {
    if (typeof id === 'function') return this.elect(undefined, id);
    return withCallback(this.doElect(id ?? this.id), cb);
  }

  // --- for backends ---------------------------------------------------------------------------------

  /**
   * A leader record seen on the feed (the seed's `heartbeat` event), or null when the leader resigned.
   * Resets the election timeout, and makes a leader that sees a newer leadership step down.
   */
  protected _receiveRecord(record: LeaderRecord | null): void {
    if (this.currentStatus !== 'started') return;
    if (record === null) {
      // A graceful resignation: campaign soon, with a little jitter (by default up to a quarter of a
      // heartbeat interval) so that one feed usually wins, and failover stays near the 50 ms target.
      if (this.currentState === 'follower') {
        this.electionTimer.arm(this.random() * this._resignationJitterMs());
      }
      return;
    }
    if (this.known && record.token < this.known.token) return; // stale, delivered late
    this.observe(record);
    if (this.currentState === 'leader') {
      if (record.token !== this.ownToken)
        this.stepDown(new LeadershipLostError('SUPERSEDED', this.ownToken!));
      return;
    }
    if (record.leaderId === this.id && record.token > this.lastOwnToken) {
      void this.claimHandOver(record);
      return;
    }
    this.armElection();
  }

  protected _emitChange(change: unknown): void {
    this.events.emit('change', change);
  }

  /**
   * The backend learned that this feed's leadership is over (a Raft node that left the leader role):
   * a leader steps down at once, with `heartbeat error` `SUPERSEDED`, instead of at its next heartbeat.
   */
  protected _leadershipEnded(): void {
    if (this.currentState === 'leader') this.stepDown(new LeadershipLostError('SUPERSEDED', this.ownToken!));
  }

  /** The subscription broke: a leader steps down (it cannot see a rival), and the error is reported. */
  protected _subscribeError(error: unknown): void {
    this.events.emit('subscribe error', error);
    if (this.currentState === 'leader') this.stepDown(undefined);
  }

  // --- the algorithm --------------------------------------------------------------------------------

  private async doStart(opts: StartOptions | undefined): Promise<this> {
    if (this.currentStatus !== 'stopped') throw new FeedStateError(`start() while ${this.currentStatus}`);
    this.currentStatus = 'starting';
    const generation = ++this.generation;
    try {
      await callExtension(this._start, this, [opts]);
      await callExtension(this._create, this, []);
      await callExtension(this._subscribe, this, []);
    } catch (error) {
      if (generation === this.generation) this.currentStatus = 'stopped';
      throw error;
    }
    // stop() while starting: it has unsubscribed already, so this start must not go on.
    if (generation !== this.generation) throw new FeedStateError('stopped while starting');
    this.currentStatus = 'started';
    this.events.emit('subscribe started');
    this.armElection();
    return this;
  }

  private async doStop(): Promise<void> {
    if (this.currentStatus === 'stopped' || this.currentStatus === 'stopping') return;
    const token = this.currentState === 'leader' ? this.ownToken : undefined;
    this.currentStatus = 'stopping';
    this.generation++;
    this.clearTimers();
    if (this.currentState === 'leader') this.becomeFollower();
    try {
      if (token !== undefined) await callExtension(this._resign, this, [token]);
    } finally {
      await callExtension(this._unsubscribe, this, []);
      this.currentStatus = 'stopped';
    }
  }

  private async doElect(id: string): Promise<LeaderRecord | null> {
    if (this.currentStatus !== 'started') throw new FeedStateError(`elect() while ${this.currentStatus}`);
    if (id === this.id) return this.campaign();
    // A hand-over: stop leading before the backend names another, so the two never overlap.
    if (this.currentState === 'leader') this.stepDown(undefined);
    const record = await callExtension<LeaderRecord | null>(this._elect, this, [id]);
    if (record) this._receiveRecord(record);
    return record;
  }

  /** Asks the backend for the leadership; the lease is counted from before the request was sent. */
  private async campaign(): Promise<LeaderRecord | null> {
    if (this.currentStatus !== 'started' || this.currentState === 'leader') return this.known ?? null;
    if (this.electing) return this.known ?? null;
    this.electing = true;
    const generation = this.generation;
    let sentAt = this.clock.now();
    let record: LeaderRecord | null;
    try {
      await callExtension(this._untilReady, this, []);
      sentAt = this.clock.now();
      record = await callExtension<LeaderRecord | null>(this._elect, this, [this.id]);
    } catch {
      record = null; // the backend is unreachable: try again after another timeout
    } finally {
      this.electing = false;
    }
    if (generation !== this.generation || this.currentStatus !== 'started') return record;
    // `>=`: the backend may have published the new record before answering.
    if (
      record &&
      record.leaderId === this.id &&
      record.token > this.lastOwnToken &&
      (!this.known || record.token >= this.known.token)
    ) {
      this.becomeLeader(record.token, sentAt);
    } else {
      if (record) this.observe(record);
      this.armElection();
    }
    return record;
  }

  /** Another feed handed leadership to this one: it leads once its own heartbeat has a lease. */
  private async claimHandOver(record: LeaderRecord): Promise<void> {
    if (this.electing) return;
    this.electing = true;
    const generation = this.generation;
    const sentAt = this.clock.now();
    let renewed = false;
    try {
      renewed = await callExtension<boolean>(this._heartbeat, this, [record.token]);
    } catch {
      renewed = false;
    } finally {
      this.electing = false;
    }
    if (generation !== this.generation || this.currentStatus !== 'started' || this.currentState === 'leader')
      return;
    if (renewed && this.known?.token === record.token && record.token > this.lastOwnToken) {
      this.becomeLeader(record.token, sentAt);
    } else this.armElection();
  }

  private becomeLeader(token: number, sentAt: number): void {
    const leaseEnd = this.leaseFrom(sentAt);
    if (this.clock.now() >= leaseEnd) {
      this.armElection(); // the answer came too late to lead on
      return;
    }
    this.generation++;
    this.currentState = 'leader';
    this.ownToken = token;
    this.lastOwnToken = token;
    this.leaseEnd = leaseEnd;
    this.electionTimer.clear();
    this.leaseTimer.armAt(leaseEnd);
    this.heartbeatTimer.arm(this.timing.heartbeatIntervalMs);
    this.observe({ leaderId: this.id, token });
    this.events.emit('new state', 'leader', token);
  }

  private async heartbeat(): Promise<void> {
    if (this.currentState !== 'leader' || this.currentStatus !== 'started') return;
    // A renewal starts within the lease, or not at all: a frozen tab's heartbeat timer may fire on
    // thaw before its lease timer, and must not stretch a lease that already ran out.
    if (!this.isLeader) {
      this.checkLease();
      return;
    }
    // A fixed cadence, whatever the backend's latency; one heartbeat in flight at a time.
    this.heartbeatTimer.arm(this.timing.heartbeatIntervalMs);
    if (this.heartbeating) return;
    this.heartbeating = true;
    const generation = this.generation;
    const token = this.ownToken!;
    const sentAt = this.clock.now();
    let renewed: boolean;
    try {
      renewed = await callExtension<boolean>(this._heartbeat, this, [token]);
    } catch (error) {
      this.heartbeating = false;
      if (generation === this.generation) this.stepDown(error);
      return;
    }
    this.heartbeating = false;
    if (generation !== this.generation) return;
    if (!renewed) {
      this.stepDown(new LeadershipLostError('SUPERSEDED', token));
      return;
    }
    this.leaseEnd = Math.max(this.leaseEnd, this.leaseFrom(sentAt));
    this.leaseTimer.armAt(this.leaseEnd);
    this.checkLease();
  }

  /** A lease counted on this feed's clock, shortened by the drift bound (the package README, Tokens and leases). */
  private leaseFrom(sentAt: number): number {
    return sentAt + this.leaseMs * (1 - this.timing.maxClockDrift);
  }

  private checkLease(): void {
    if (this.currentState === 'leader' && this.clock.now() >= this.leaseEnd) {
      this.stepDown(new LeadershipLostError('LEASE_EXPIRED', this.ownToken!));
    }
  }

  private stepDown(error: unknown): void {
    if (this.currentState !== 'leader') return;
    this.becomeFollower();
    if (error !== undefined) this.events.emit('heartbeat error', error);
    this.armElection();
  }

  private becomeFollower(): void {
    this.generation++;
    this.currentState = 'follower';
    this.ownToken = undefined;
    this.leaseEnd = Number.NEGATIVE_INFINITY;
    this.heartbeatTimer.clear();
    this.leaseTimer.clear();
    this.events.emit('new state', 'follower', undefined);
  }

  private observe(record: LeaderRecord): void {
    if (this.known && this.known.token === record.token) return;
    this.known = { leaderId: record.leaderId, token: record.token };
    this.events.emit('new leader', record.leaderId, record.token);
  }

  private armElection(): void {
    if (this.currentStatus !== 'started' || this.currentState === 'leader') return;
    const { electionTimeoutMinMs: min, electionTimeoutMaxMs: max } = this.timing;
    this.electionTimer.arm(min + this.random() * (max - min));
  }

  private clearTimers(): void {
    this.electionTimer.clear();
    this.heartbeatTimer.clear();
    this.leaseTimer.clear();
  }
}
