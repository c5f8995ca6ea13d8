import { ConfigurationError } from '@webraft/core';
import { keepUnlessLost, markLost, mintIdentity, takeIdentity } from './acquire.js';
import { resolveEnvironment } from './environment.js';
import { HeldIdentity, type IdentityContext, type TabIdentity, type TabIdentityOptions } from './identity.js';
import { tryHoldLock } from './lock.js';
import { IdentityNames } from './names.js';

export function identityContext(options: TabIdentityOptions): IdentityContext {
  return {
    env: resolveEnvironment(options),
    names: new IdentityNames(options.cluster, options.namespace),
    options,
  };
}

/**
 * This tab's node id for `cluster` (README.md beside this file): the id kept in sessionStorage if this
 * tab can take its Web Lock and its data is not lost, else a new one. A reload keeps the id; a
 * duplicated tab (which copies sessionStorage, but finds the lock held by the original) gets a new one.
 */
export async function claimTabIdentity(options: TabIdentityOptions): Promise<TabIdentity> {
  const context = identityContext(options);
  const stored = context.env.session.getItem(context.names.sessionKey);
  if (stored === null) return mintIdentity(context);
  const lock = await tryHoldLock(context.env.locks, context.names.recordKey(stored));
  if (!lock) return mintIdentity(context); // a live tab runs it: this tab is a duplicate
  if (await keepUnlessLost(context, stored, lock)) return takeIdentity(context, stored, lock);
  return mintIdentity(context, stored);
}

/**
 * When the storage adapter's `load()` fails with `StorageLostError` under `identity`: records the id
 * as lost (never run again), lets it go, and claims a new id for this tab (its `lostId` is the old
 * one). The node must rejoin the cluster under the new id, and the old id be removed with `leave()`.
 */
export async function replaceLostIdentity(identity: TabIdentity): Promise<TabIdentity> {
  if (!(identity instanceof HeldIdentity)) {
    throw new ConfigurationError(
      'replaceLostIdentity: pass an identity from claimTabIdentity or adoptIdentity',
    );
  }
  const context = identity.context;
  markLost(context, identity.id);
  await identity.release();
  return mintIdentity(context, identity.id);
}
