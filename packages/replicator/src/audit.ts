import { type ReplicaStore, seqKey } from './store.js';

/**
 * Checks that value, log and index agree (what every batch of the store keeps true, so what a crash
 * must leave): each index entry points at a log record of its key; each log record is pointed at by its
 * key's index entry; a key has a value exactly when its record is a put; no record lies above the
 * replica's sequence number. Returns the problems found (none: consistent).
 */
export async function auditStore(store: ReplicaStore): Promise<string[]> {
  const problems: string[] = [];
  const indexed = new Map<string, number>();
  for await (const [key, seq] of store.index.iterator()) {
    indexed.set(key, seq);
    const entry = await store.log.get(seqKey(seq));
    if (entry === undefined) problems.push(`index of ${key} points at missing log record ${seq}`);
    else if (entry.key !== key) problems.push(`index of ${key} points at the record of ${entry.key}`);
    else if ((entry.op === 'put') !== ((await store.data.get(key)) !== undefined))
      problems.push(`${key}: value and ${entry.op} record disagree`);
  }
  for await (const [k, entry] of store.log.iterator()) {
    if (indexed.get(entry.key) !== Number(k)) problems.push(`log record ${k} of ${entry.key} is not indexed`);
    if (Number(k) > store.seq) problems.push(`log record ${k} lies above the sequence number ${store.seq}`);
  }
  for await (const key of store.data.keys())
    if (!indexed.has(key)) problems.push(`value of ${key} has no log record`);
  return problems;
}
