import { StorageLostError } from '@webraft/core';
import { keepUnlessLost, takeIdentity } from './acquire.js';
import { identityContext } from './claim.js';
import { TabIdentityError } from './errors.js';
import type { TabIdentity, TabIdentityOptions } from './identity.js';
import { tryHoldLock } from './lock.js';
import { readRecord } from './records.js';

/**
 * Takes over `id`, an identity of this origin whose lock is free (its tab closed): for Raft, a restart
 * of that node from its own stored state. The id becomes this tab's id for the cluster (kept in
 * sessionStorage, so a reload keeps it). Fails with `TabIdentityError` `HELD` when a live tab holds
 * it, `UNKNOWN_ID` when the origin has no record of it, and `StorageLostError` when its data is gone.
 */
export async function adoptIdentity(options: TabIdentityOptions & { id: string }): Promise<TabIdentity> {
  const context = identityContext(options);
  const { id } = options;
  const key = context.names.recordKey(id);
  const record = readRecord(context.env.records, key);
  if (record === null) {
    throw new TabIdentityError(
      'UNKNOWN_ID',
      id,
      `tab identity ${id} is not known for cluster ${options.cluster}`,
    );
  }
  if (record.lost) throw new StorageLostError(id);
  const lock = await tryHoldLock(context.env.locks, key);
  if (!lock) throw new TabIdentityError('HELD', id, `tab identity ${id} is held by a live tab`);
  if (!(await keepUnlessLost(context, id, lock))) throw new StorageLostError(id);
  return takeIdentity(context, id, lock);
}
