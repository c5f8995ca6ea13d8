/**
 * Approximate encoded size of an entry, cached per object. Appends and forwarded proposals are cut by
 * it, so no message grows past what receivers accept (validate.ts limits payload size).
 */
const sizes = new WeakMap<object, number>();

/** Fixed cost of an entry's other fields (index, term, kind, client, seq) on the wire. */
const ENTRY_OVERHEAD = 96;

export function entryBytes(entry: { data?: unknown }): number {
  let size = sizes.get(entry);
  if (size === undefined) {
    size = ENTRY_OVERHEAD + (entry.data === undefined ? 0 : (JSON.stringify(entry.data)?.length ?? 0));
    sizes.set(entry, size);
  }
  return size;
}

/** Records a size already known (the runtime encodes every command once when it is proposed). */
export function noteEntryBytes(entry: object, encodedDataLength: number): void {
  sizes.set(entry, ENTRY_OVERHEAD + encodedDataLength);
}

/** Splits `items` into runs of at most `maxCount` items and (except for single items) `maxBytes`. */
export function splitByBytes<T extends { data?: unknown }>(
  items: T[],
  maxCount: number,
  maxBytes: number,
): T[][] {
  const runs: T[][] = [];
  let run: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const b = entryBytes(item);
    if (run.length > 0 && (run.length >= maxCount || bytes + b > maxBytes)) {
      runs.push(run);
      run = [];
      bytes = 0;
    }
    run.push(item);
    bytes += b;
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

/** Carries a known size over from a proposal to the log entry made from it. */
export function copyEntryBytes(from: object, to: object): void {
  const size = sizes.get(from);
  if (size !== undefined) sizes.set(to, size);
}
