import type { TabIdentityOptions } from '../src/index.js';
import { FakeLockManager, MemoryStore } from './doubles.js';

/** One origin: the localStorage and the lock manager all its tabs share. */
export class Origin {
  readonly records = new MemoryStore();
  readonly locks = new FakeLockManager();

  /** A tab of this origin: its own sessionStorage (a copy, for a duplicated tab) and lifecycle events. */
  tab(session = new MemoryStore()): Tab {
    return new Tab(this, session);
  }
}

export class Tab {
  readonly lifecycle = new EventTarget();
  constructor(
    readonly origin: Origin,
    readonly session: MemoryStore,
  ) {}

  options(extra: Partial<TabIdentityOptions> = {}): TabIdentityOptions {
    return {
      cluster: 'c1',
      storage: this.session,
      records: this.origin.records,
      locks: this.origin.locks,
      lifecycle: this.lifecycle,
      ...extra,
    };
  }

  /** The same tab after a reload: the same sessionStorage, a new document. */
  reloaded(): Tab {
    return new Tab(this.origin, this.session);
  }

  /** A duplicated tab: sessionStorage copied, as browsers do. */
  duplicated(): Tab {
    return new Tab(this.origin, this.session.copy());
  }

  pagehide(persisted: boolean): void {
    this.lifecycle.dispatchEvent(Object.assign(new Event('pagehide'), { persisted }));
  }

  pageshow(persisted: boolean): void {
    this.lifecycle.dispatchEvent(Object.assign(new Event('pageshow'), { persisted }));
  }
}

export const lockName = (id: string, cluster = 'c1') => `webraft-tab/${cluster}/id/${encodeURIComponent(id)}`;
