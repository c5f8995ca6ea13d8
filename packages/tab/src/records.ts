import { StorageQuotaError } from '@webraft/core';

/**
 * What the origin knows of one id, kept in localStorage beside (not inside) the node's own storage, so
 * it survives that storage being evicted or cleared:
 * - `used`: the id has persisted data (its storage adapter said so through the usage marker);
 * - `lost`: the id's data was found gone: the id is never run again;
 * - `epoch`: bumped by every claim of the id, so a page back from the back/forward cache can tell
 *   whether another tab ran the node meanwhile.
 */
export interface IdentityRecord {
  used: boolean;
  lost: boolean;
  epoch: number;
}

/**
 * Reads a record; null when there is none. A record that cannot be parsed counts as used: assuming
 * the id never wrote could let it start empty after its data was lost.
 */
export function readRecord(records: Storage, key: string): IdentityRecord | null {
  const raw = records.getItem(key);
  if (raw === null) return null;
  try {
    const parsed = JSON.parse(raw) as Partial<IdentityRecord> | null;
    return {
      used: parsed?.used !== false,
      lost: parsed?.lost === true,
      epoch: typeof parsed?.epoch === 'number' ? parsed.epoch : 0,
    };
  } catch {
    return { used: true, lost: false, epoch: 0 };
  }
}

export function writeRecord(records: Storage, key: string, record: IdentityRecord): void {
  try {
    records.setItem(key, JSON.stringify(record));
  } catch (cause) {
    // localStorage is full (its quota is a few MiB per origin). Without the record, lost storage
    // could not be told from a new node, so this is fatal like any other quota error.
    throw new StorageQuotaError(`tab identity: cannot write the record ${key} to localStorage`, undefined, {
      cause,
    });
  }
}

/** Changes fields of a record (made if missing, as a used one), keeping the others. */
export function updateRecord(records: Storage, key: string, change: Partial<IdentityRecord>): IdentityRecord {
  const record = { ...(readRecord(records, key) ?? { used: true, lost: false, epoch: 0 }), ...change };
  writeRecord(records, key, record);
  return record;
}
