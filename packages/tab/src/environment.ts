import { ConfigurationError } from '@webraft/core';

/** Where identities are kept; every field defaults to the page's own. */
export interface TabEnvironmentOptions {
  /** Keeps this tab's id per cluster; survives reloads, is copied into a duplicated tab (default `sessionStorage`). */
  storage?: Storage;
  /** Holds one record per id of the origin: it exists, it wrote data, it was lost (default `localStorage`). */
  records?: Storage;
  /** Claims ids (default `navigator.locks`). */
  locks?: LockManager;
  /**
   * Where `pagehide` and `pageshow` are heard (default `window`; `null` for none). The lock is let go on
   * `pagehide` and taken back on a `pageshow` from the back/forward cache.
   */
  lifecycle?: EventTarget | null;
}

export interface TabEnvironment {
  session: Storage;
  records: Storage;
  locks: LockManager;
  lifecycle: EventTarget | null;
}

export function resolveEnvironment(options: TabEnvironmentOptions): TabEnvironment {
  return {
    session: options.storage ?? pageStorage('sessionStorage'),
    records: options.records ?? pageStorage('localStorage'),
    locks: options.locks ?? pageLocks(),
    lifecycle:
      options.lifecycle !== undefined ? options.lifecycle : typeof window === 'undefined' ? null : window,
  };
}

/** Only the environment fields `listIdentities` needs (it claims nothing and stores nothing per tab). */
export function resolveRecordsAndLocks(options: Pick<TabEnvironmentOptions, 'records' | 'locks'>): {
  records: Storage;
  locks: LockManager;
} {
  return { records: options.records ?? pageStorage('localStorage'), locks: options.locks ?? pageLocks() };
}

function pageStorage(which: 'sessionStorage' | 'localStorage'): Storage {
  let storage: Storage | undefined;
  try {
    // Reading the property throws (SecurityError) where the page may not use storage: sandboxed
    // frames, storage blocked by the user.
    storage = (globalThis as Partial<Record<typeof which, Storage>>)[which];
  } catch (cause) {
    throw new ConfigurationError(`tab identity: ${which} is not usable here (${String(cause)})`);
  }
  if (!storage) {
    throw new ConfigurationError(
      `tab identity: there is no ${which} here (pass options.${which === 'sessionStorage' ? 'storage' : 'records'})`,
    );
  }
  return storage;
}

function pageLocks(): LockManager {
  const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
  if (!locks) {
    throw new ConfigurationError(
      'tab identity: there is no navigator.locks here (Web Locks need a secure context: https or localhost)',
    );
  }
  return locks;
}
