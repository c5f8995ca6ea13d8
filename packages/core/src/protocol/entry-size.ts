/**
 * Approximate encoded size of an entry, cached on the object under a symbol (JSON and structured
 * cloning skip symbol keys, so it never reaches the wire or storage; a WeakMap cost several times
 * more on the commit path). Appends and forwarded proposals are cut by it, so no message grows past
 * what receivers accept (validate.ts limits payload size).
 */
const SIZE = Symbol('webraft.entryBytes');
type Sized = { [SIZE]?: number };

/** Fixed cost of an entry's other fields (index, term, kind, client, seq) on the wire. */
const ENTRY_OVERHEAD = 96;

export function entryBytes(entry: { data?: unknown }): number {
  let size = (entry as Sized)[SIZE];
  if (size === undefined) {
    size = ENTRY_OVERHEAD + (entry.data === undefined ? 0 : (JSON.stringify(entry.data)?.length ?? 0));
    (entry as Sized)[SIZE] = size;
  }
  return size;
}

/** Records a size already known (the runtime encodes every command once when it is proposed). */
export function noteEntryBytes(entry: object, encodedDataLength: number): void {
  (entry as Sized)[SIZE] = ENTRY_OVERHEAD + encodedDataLength;
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
  const size = (from as Sized)[SIZE];
  if (size !== undefined) (to as Sized)[SIZE] = size;
}
