import type { JsonDocRaft, JsonDocument } from '@webraft/json-doc';
import { ClusterPeerDirectory, type PeerMapValue, peerMapDocument } from './cluster-peer-directory.js';
import { type CommitLevel, isCommitLevel } from './commit-level.js';
import { Emitter } from './emitter.js';
import { InvalidArgumentError, NoPeerClientError, NotEnoughPeersError } from './errors.js';
import { type AllDataStorage, checkStorage, writeTo } from './local-storage.js';
import { type CheckedOptions, type CoordinatorOptions, checkOptions } from './options.js';
import {
  LocalPeerDirectory,
  type Peer,
  type PeerDirectory,
  type PeerEntry,
  type PeerLocation,
  peerEntry,
} from './peer-directory.js';
import { type Placed, type PlacementView, placementView, placeReplicas } from './placement.js';
import type { PutAck, PutReport, ReplicaReport } from './put-report.js';
import { type PutHost, PutRun } from './put-run.js';

/** The seed's callback: `callback(error)` on failure, `callback()` (here with the acknowledgement) on success. */
export type PutCallback = (error: Error | null, ack?: PutAck) => void;

export interface CoordinatorEvents {
  /**
   * The seed's event: put `event` under `key` on `peer` through a peer client, then call `callback()`
   * once it is durable there or `callback(error)` if not. Called once per remote replica.
   */
  _put: (peer: Peer, key: string, event: unknown, callback: (error?: unknown) => void) => void;
  /** A put's replicas are placed and their writes begin; `report` is kept up to date from then on. */
  placed: (report: PutReport) => void;
  /** A replica ended (stored or failed); `report` is the put's, as it stands. */
  replica: (report: PutReport, replica: ReplicaReport) => void;
  /** Every replica of a put ended, after its acknowledgement or its rejection: the work is over. */
  settled: (report: PutReport) => void;
}

/**
 * The seed's AllDataCoordinator: places each put on `replicationFactor` replicas (the local storage
 * and peers chosen by zone and region) and acknowledges it at its commit level.
 */
export class Coordinator extends Emitter<CoordinatorEvents> implements PutHost {
  static readonly ONE: CommitLevel = 'ONE';
  static readonly QUORUM: CommitLevel = 'QUORUM';
  static readonly ALL: CommitLevel = 'ALL';

  /**
   * The peer map kept in the webraft cluster of `raft`, whose `stateMachine` is `document` (made by
   * `Coordinator.peerMapDocument()`): pass it as the `peers` option, and every coordinator of the
   * cluster places against the same peers in the same order.
   */
  static cluster(raft: JsonDocRaft, document: JsonDocument<PeerMapValue>): ClusterPeerDirectory {
    return new ClusterPeerDirectory(raft, document);
  }

  /** The replicated peer map's initial document, the same on every node. */
  static peerMapDocument(): JsonDocument<PeerMapValue> {
    return peerMapDocument();
  }

  readonly localStorage: AllDataStorage;
  readonly #options: CheckedOptions;
  readonly peers: PeerDirectory;
  #view: { entries: readonly PeerEntry[]; view: PlacementView } | null = null;

  constructor(localStorage: AllDataStorage, options?: CoordinatorOptions) {
    super();
    this.localStorage = checkStorage(localStorage);
    this.#options = checkOptions(options);
    this.peers = options?.peers ?? new LocalPeerDirectory();
  }

  get commitLevel(): CommitLevel {
    return this.#options.commitLevel;
  }
  get replicationFactor(): number {
    return this.#options.replicationFactor;
  }
  get replicationStrategy(): {
    otherZoneReplicas: number;
    otherRegionReplicas: number;
    sameZoneFill: boolean;
  } {
    const { otherZoneReplicas, otherRegionReplicas, sameZoneFill } = this.#options;
    return { otherZoneReplicas, otherRegionReplicas, sameZoneFill };
  }
  get clock() {
    return this.#options.clock;
  }
  get random() {
    return this.#options.random;
  }
  get location() {
    return this.#options.location;
  }

  /**
   * Adds `peer` for placement (the seed's `addPeer`): in another zone of the local region with
   * `options.zone`, else in another region with `options.region`, else in the same zone. Adding a
   * known id moves it. Bad arguments throw `InvalidArgumentError`; resolves once the map has it (at
   * once for a local map, once committed for a replicated one).
   */
  addPeer(peer: Peer, options?: PeerLocation): Promise<void> {
    return this.peers.add(peerEntry(peer, options));
  }

  /**
   * Drops `peer` from placement (the seed's `dropPeer`). Peers are known by id, so `options` (the seed
   * asks for the same zone or region as `addPeer`) is checked but not needed.
   */
  dropPeer(peer: Peer, options?: PeerLocation): Promise<void> {
    return this.peers.drop(peerEntry(peer, options).id);
  }

  /** The peers placement draws from now, grouped; recomputed only when the map changed. */
  view(): PlacementView {
    const entries = this.peers.entries();
    if (this.#view?.entries !== entries)
      this.#view = { entries, view: placementView(entries, this.#options.location, this.#options.localId) };
    return this.#view.view;
  }

  /** Where a put's remote replicas would go now (one placement decision; nothing is written). */
  place(): Placed[] {
    return placeReplicas(this.view(), this.#options, this.#options.random);
  }

  /**
   * The seed's `put(key, event, [commitLevel], callback)`: stores `event` under `key` on
   * `replicationFactor` replicas and acknowledges once `commitLevel` holds (see the README, Commit
   * levels). Returns a promise of the acknowledgement too; with a callback, the promise's rejection
   * counts as handled.
   */
  put(
    key: string,
    event: unknown,
    commitLevel?: CommitLevel | PutCallback,
    callback?: PutCallback,
  ): Promise<PutAck> {
    if (typeof commitLevel === 'function') {
      callback = commitLevel;
      commitLevel = undefined;
    }
    const promise = this.#put(key, event, commitLevel, callback);
    if (callback !== undefined) {
      const cb = callback;
      promise.then(
        (ack) => cb(null, ack),
        (error: Error) => cb(error),
      );
    }
    return promise;
  }

  #put(key: unknown, event: unknown, commitLevel: unknown, callback: unknown): Promise<PutAck> {
    try {
      if (typeof key !== 'string' || key === '')
        throw new InvalidArgumentError('key', 'must be a non-empty string');
      if (event === undefined) throw new InvalidArgumentError('event', 'is missing');
      if (callback !== undefined && typeof callback !== 'function')
        throw new InvalidArgumentError('callback', 'must be a function');
      const level = commitLevel ?? this.#options.commitLevel;
      if (!isCommitLevel(level))
        throw new InvalidArgumentError('commitLevel', `must be ONE, QUORUM or ALL, not ${String(level)}`);
      const view = this.view();
      const factor = this.#options.replicationFactor;
      if (view.size + 1 < factor) throw new NotEnoughPeersError(factor, view.size + 1);
      const placed = placeReplicas(view, this.#options, this.#options.random);
      return new Promise<PutAck>((resolve, reject) => {
        new PutRun(this, key, event, level, factor, { resolve, reject }).start(placed);
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  writeLocal(key: string, event: unknown, done: (error?: unknown) => void): void {
    writeTo(this.localStorage, key, event, done);
  }

  writeRemote(entry: PeerEntry, key: string, event: unknown, done: (error?: unknown) => void): void {
    if (!this.emit('_put', entry.peer, key, event, done)) done(new NoPeerClientError());
  }

  placed(report: PutReport): void {
    this.emit('placed', report);
  }

  replicaSettled(report: PutReport, replica: ReplicaReport): void {
    this.emit('replica', report, replica);
  }

  settled(report: PutReport): void {
    this.emit('settled', report);
  }
}
