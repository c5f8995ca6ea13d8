import { resolveRecordsAndLocks, type TabEnvironmentOptions } from './environment.js';
import { IdentityNames } from './names.js';
import { readRecord } from './records.js';

/** One identity of this origin for a cluster, as `listIdentities` found it. */
export interface ListedIdentity {
  id: string;
  /** Its Web Lock is held: a live tab runs it. A free lock means no live tab does (see README). */
  held: boolean;
  /** What `hasData(id)` said; undefined when no `hasData` was given. */
  hasData: boolean | undefined;
  /** Its record says it persisted data. */
  used: boolean;
  /** Its data was found gone: it is never claimed or adopted again. */
  lost: boolean;
}

export interface ListIdentitiesOptions extends Pick<TabEnvironmentOptions, 'records' | 'locks'> {
  cluster: string;
  namespace?: string;
  hasData?: (id: string) => Promise<boolean>;
}

/**
 * Every id this origin has a record of for `cluster` (any tab's, live or closed), sorted by id, with
 * whether a live tab holds it (`navigator.locks.query()`) and whether it has data. An id that is not
 * held, not lost and has data can be adopted (`adoptIdentity`).
 */
export async function listIdentities(options: ListIdentitiesOptions): Promise<ListedIdentity[]> {
  const names = new IdentityNames(options.cluster, options.namespace);
  const { records, locks } = resolveRecordsAndLocks(options);
  const found: { id: string; key: string }[] = [];
  for (let i = 0; i < records.length; i++) {
    const key = records.key(i);
    const id = key === null ? null : names.idOf(key);
    if (id !== null && key !== null) found.push({ id, key });
  }
  found.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const { held = [] } = await locks.query();
  const heldNames = new Set(held.map((lock) => lock.name));
  const listed: ListedIdentity[] = [];
  for (const { id, key } of found) {
    const record = readRecord(records, key);
    if (record === null) continue; // removed while we listed
    listed.push({
      id,
      held: heldNames.has(key),
      hasData: options.hasData ? await options.hasData(id) : undefined,
      used: record.used,
      lost: record.lost,
    });
  }
  return listed;
}
