import type { UsageMarker } from '@webraft/core';
import type { TabEnvironment, TabEnvironmentOptions } from './environment.js';
import { TabIdentityError } from './errors.js';
import type { HeldLock } from './lock.js';
import { tryHoldLock } from './lock.js';
import type { IdentityNames } from './names.js';
import { readRecord } from './records.js';
import { RecordUsageMarker } from './usage.js';

/** Options of `claimTabIdentity` (and, with an `id`, of `adoptIdentity`). */
export interface TabIdentityOptions extends TabEnvironmentOptions {
  /** The cluster the id is for: a tab has one id per cluster. */
  cluster: string;
  /** Keeps apps of one origin apart (an extra part in every key and lock name). */
  namespace?: string;
  /**
   * Whether an id still has its stored data, e.g. `(id) => IndexedDbStorage.hasData(id, { namespace })`.
   * With it, an id whose record says it wrote data but whose data is gone is never claimed again: a new
   * id is minted (`lostId` names the old one). Without it, the storage adapter's `load()` finds out
   * (`StorageLostError`): then call `replaceLostIdentity`.
   */
  hasData?: (id: string) => Promise<boolean>;
  /**
   * Called when the page comes back from the back/forward cache and the id cannot be held again, or
   * another tab ran it meanwhile (`TAKEN_OVER`): the node in this page is stale and must not run on.
   * Default: reload the page, which claims an id afresh (a new one, if another tab holds the old one).
   */
  onTakenOver?: (error: TabIdentityError) => void;
  /**
   * Let the lock go on `pagehide` (default true), so a page in the back/forward cache shows its id as
   * free and a reload's next document finds it free. With false, the lock stays held while the page is
   * cached; Chromium then evicts the cached page when another tab asks for the lock (README, bfcache).
   */
  releaseOnPagehide?: boolean;
}

/** This tab's claim on a node id: the id, its usage marker, and the lock held while the tab lives. */
export interface TabIdentity {
  /** The node id to run under. */
  readonly id: string;
  readonly cluster: string;
  /** Give it to the storage adapter (`new IndexedDbStorage(id, { usage })`). */
  readonly usage: UsageMarker;
  /** The id this tab had before, when its stored data was found gone: leave() it from the cluster. */
  readonly lostId: string | undefined;
  /** True while the id's Web Lock is held (false after `release()`, `pagehide`, or a takeover). */
  readonly held: boolean;
  /** Lets the id's lock go (another tab may then adopt it); resolves once it is free. */
  release(): Promise<void>;
}

export interface IdentityContext {
  env: TabEnvironment;
  names: IdentityNames;
  options: TabIdentityOptions;
}

/** A held identity. Lets its lock go on `pagehide`, takes it back on a `pageshow` from the bfcache. */
export class HeldIdentity implements TabIdentity {
  readonly id: string;
  readonly usage: UsageMarker;
  readonly lostId: string | undefined;
  readonly context: IdentityContext;
  readonly #epoch: number;
  #lock: HeldLock | null;
  #released = false;

  constructor(context: IdentityContext, id: string, lock: HeldLock, epoch: number, lostId?: string) {
    this.context = context;
    this.id = id;
    this.usage = new RecordUsageMarker(context.env.records, context.names.recordKey(id));
    this.lostId = lostId;
    this.#lock = lock;
    this.#epoch = epoch;
    context.env.lifecycle?.addEventListener('pagehide', this.#onPageHide);
    context.env.lifecycle?.addEventListener('pageshow', this.#onPageShow);
  }

  get cluster(): string {
    return this.context.options.cluster;
  }

  get held(): boolean {
    return this.#lock !== null;
  }

  async release(): Promise<void> {
    this.#released = true;
    this.context.env.lifecycle?.removeEventListener('pagehide', this.#onPageHide);
    this.context.env.lifecycle?.removeEventListener('pageshow', this.#onPageShow);
    const lock = this.#lock;
    this.#lock = null;
    await lock?.release();
  }

  // The page is going away, or into the back/forward cache: a page holding a lock would not be cached,
  // and a reload's next document must find the lock free.
  readonly #onPageHide = (): void => {
    if (this.context.options.releaseOnPagehide === false) return;
    void this.#lock?.release();
    this.#lock = null;
  };

  readonly #onPageShow = (event: Event): void => {
    if (!(event as PageTransitionEvent).persisted || this.#released || this.#lock) return;
    void this.#resume();
  };

  /** Takes the lock back, unless another tab claimed the id while this page was cached. */
  async #resume(): Promise<void> {
    const key = this.context.names.recordKey(this.id);
    const lock = await tryHoldLock(this.context.env.locks, key);
    const record = readRecord(this.context.env.records, key);
    if (this.#released) {
      await lock?.release();
      return;
    }
    if (lock && record && !record.lost && record.epoch === this.#epoch) {
      this.#lock = lock;
      return;
    }
    await lock?.release();
    await this.release();
    const error = new TabIdentityError(
      'TAKEN_OVER',
      this.id,
      `tab identity ${this.id} was claimed by another tab while this page was in the back/forward cache`,
    );
    const onTakenOver = this.context.options.onTakenOver ?? reloadPage;
    onTakenOver(error);
  }
}

function reloadPage(): void {
  (globalThis as { location?: Location }).location?.reload();
}
