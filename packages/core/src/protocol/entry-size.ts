/**
 * Encoded size of entries. Appends and forwarded proposals are cut by it, so no message grows past
 * what receivers accept (validate.ts limits payload size). Sizes the runtime already knows (it
 * encodes every command once when proposed) are passed along with the entries; others are measured
 * when first needed.
 */

/**
 * Characters of an entry's fields besides its data (keys, index, term, kind, seq) in a message, with
 * every number at its longest. The validator of incoming messages (validate.ts) counts each entry at
 * this cost too, so what a sender measures, its receiver measures alike.
 */
export const ENTRY_OVERHEAD = 112;

/** Encoded size of an entry whose size is not known yet. */
export function measureEntry(entry: { data?: unknown }): number {
  return ENTRY_OVERHEAD + (entry.data === undefined ? 0 : (JSON.stringify(entry.data)?.length ?? 0));
}

/** Size of an entry from the encoded length of its data, when known. */
export function sizeFromData(dataLength: number | undefined): number {
  return dataLength === undefined ? 0 : ENTRY_OVERHEAD + dataLength;
}

/**
 * Splits `items` into runs of at most `maxCount` items and (except for single items) `maxChars`.
 * `dataLengths[i]`, when given, is the encoded length of items[i].data.
 */
export function splitByChars<T extends { data?: unknown }>(
  items: T[],
  dataLengths: readonly (number | undefined)[] | undefined,
  maxCount: number,
  maxChars: number,
): T[][] {
  const runs: T[][] = [];
  let run: T[] = [];
  let chars = 0;
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    const b = sizeFromData(dataLengths?.[i]) || measureEntry(item);
    if (run.length > 0 && (run.length >= maxCount || chars + b > maxChars)) {
      runs.push(run);
      run = [];
      chars = 0;
    }
    run.push(item);
    chars += b;
  }
  if (run.length > 0) runs.push(run);
  return runs;
}
