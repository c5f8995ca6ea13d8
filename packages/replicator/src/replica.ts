import { InvalidExchangeError } from './errors.js';
import type { PullAnswer, PullRequest } from './messages.js';
import type { ReplicaStore } from './store.js';
import type { Resolver } from './version.js';

/** Records per pull answer by default. */
export const DEFAULT_PAGE_RECORDS = 500;

/**
 * The three steps of a pull exchange, free of any transport or timer (the simulator drives them one by
 * one, with crashes in between): the puller makes a request from its mark for the peer, the peer serves
 * a page of its log, the puller applies the page and moves its mark in the same batch.
 */
export class Replica {
  readonly id: string;
  readonly store: ReplicaStore;
  readonly resolver: Resolver;
  readonly pageRecords: number;
  #nextRequest = 1;

  constructor(id: string, store: ReplicaStore, resolver: Resolver, pageRecords = DEFAULT_PAGE_RECORDS) {
    this.id = id;
    this.store = store;
    this.resolver = resolver;
    this.pageRecords = pageRecords;
  }

  /** Step 1: ask `peer` for what lies above our mark for it. */
  async request(peer: string): Promise<PullRequest> {
    const mark = await this.store.mark(peer);
    const id = this.#nextRequest++;
    return {
      type: 'replicator.pull',
      from: this.id,
      id,
      since: mark?.seq ?? 0,
      incarnation: mark?.incarnation ?? '',
      limit: this.pageRecords,
    };
  }

  /**
   * Step 2, at the peer: answer a (validated) request. A mark of another incarnation of us is void, so
   * the page then starts at the beginning of our log. The request's mark tells us what the puller holds
   * (kept for tombstone compaction).
   */
  async serve(request: PullRequest): Promise<PullAnswer> {
    const current = request.incarnation === this.store.incarnation;
    await this.store.recordAck(request.from, current ? request.since : 0);
    const since = current ? request.since : 0;
    const page = await this.store.readPage(request.from, since, request.limit);
    return {
      type: 'replicator.records',
      from: this.id,
      id: request.id,
      incarnation: this.store.incarnation,
      ...page,
    };
  }

  /**
   * Step 3: apply a (validated) answer to `request`. Throws InvalidExchangeError, applying nothing, when
   * it does not answer that request (another id, another peer) or reaches below the mark it was asked from.
   * Returns how many records were applied and whether more remain.
   */
  async apply(
    request: PullRequest,
    peer: string,
    answer: PullAnswer,
  ): Promise<{ applied: number; more: boolean }> {
    if (answer.id !== request.id || answer.from !== peer)
      throw new InvalidExchangeError(peer, 'answers no request of ours');
    const since = answer.incarnation === request.incarnation ? request.since : 0;
    if (answer.last < since) throw new InvalidExchangeError(peer, '`last` lies below the mark asked from');
    // A page that says more follow must move the mark, or a peer could keep us pulling forever.
    if (answer.more && answer.last === since) throw new InvalidExchangeError(peer, '`more` without progress');
    if (answer.records.some((r) => r.seq <= since))
      throw new InvalidExchangeError(peer, 'a record lies at or below the mark asked from');
    const applied = await this.store.applyPage(
      peer,
      { incarnation: answer.incarnation, seq: answer.last },
      answer.records,
      this.resolver,
    );
    return { applied, more: answer.more };
  }
}
