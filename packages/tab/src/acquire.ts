import { HeldIdentity, type IdentityContext } from './identity.js';
import type { HeldLock } from './lock.js';
import { tryHoldLock } from './lock.js';
import { mintId } from './names.js';
import { readRecord, updateRecord, writeRecord } from './records.js';

/**
 * Makes `id` this tab's identity for the cluster, its lock already held: bumps the record's epoch (a
 * page back from the bfcache sees that another tab ran the node) and keeps the id in sessionStorage.
 */
export function takeIdentity(
  context: IdentityContext,
  id: string,
  lock: HeldLock,
  lostId?: string,
): HeldIdentity {
  const { records, session } = context.env;
  const key = context.names.recordKey(id);
  const { epoch } = updateRecord(records, key, { epoch: (readRecord(records, key)?.epoch ?? 0) + 1 });
  session.setItem(context.names.sessionKey, id);
  return new HeldIdentity(context, id, lock, epoch, lostId);
}

/** A new id, with its record (not used yet) and its lock. */
export async function mintIdentity(context: IdentityContext, lostId?: string): Promise<HeldIdentity> {
  const { records, locks } = context.env;
  for (;;) {
    const id = mintId();
    const key = context.names.recordKey(id);
    // A random UUID never repeats in practice; checking costs nothing and keeps a broken
    // `crypto.randomUUID` from handing out a used id.
    if (readRecord(records, key) !== null) continue;
    const lock = await tryHoldLock(locks, key);
    if (!lock) continue;
    writeRecord(records, key, { used: false, lost: false, epoch: 0 });
    return takeIdentity(context, id, lock, lostId);
  }
}

/** Records that `id` lost its data: it is never claimed or adopted again. */
export function markLost(context: IdentityContext, id: string): void {
  updateRecord(context.env.records, context.names.recordKey(id), { used: true, lost: true });
}

/**
 * With `id`'s lock just taken: true when the id may run (the lock stays held); false when its data is
 * lost (it is recorded as lost and the lock let go). A failing `hasData` lets the lock go and throws.
 */
export async function keepUnlessLost(context: IdentityContext, id: string, lock: HeldLock): Promise<boolean> {
  let lost: boolean;
  try {
    lost = await isLost(context, id);
  } catch (error) {
    await lock.release();
    throw error;
  }
  if (!lost) return true;
  markLost(context, id);
  await lock.release();
  return false;
}

/**
 * Whether `id` must not run: its record is gone (localStorage was cleared, maybe the node's storage
 * with it), or says lost, or says used while `hasData` finds no data.
 */
async function isLost(context: IdentityContext, id: string): Promise<boolean> {
  const record = readRecord(context.env.records, context.names.recordKey(id));
  if (record === null || record.lost) return true;
  if (!record.used || !context.options.hasData) return false;
  return !(await context.options.hasData(id));
}
