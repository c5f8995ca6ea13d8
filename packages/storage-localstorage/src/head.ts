import {
  checkHardStateRecord,
  checkSnapshotRecord,
  type HardState,
  type SnapshotMeta,
  StorageCorruptError,
} from '@webraft/core';

/** Version of the head's format; a head of another version is refused as corrupt. */
export const HEAD_VERSION = 1;

/** One stored segment: `count` consecutive entries from `start`, in the record of generation `gen`. */
export interface SegmentRef {
  start: number;
  count: number;
  gen: number;
  /** How many merges made it (0: one batch's entries); segments merge level by level (layout.ts). */
  level: number;
  /** Length of the record's JSON: merges are planned without reading, and a truncated record is caught. */
  chars: number;
}

/**
 * The head record, the one key a batch overwrites: switching it is what makes a batch durable. It
 * holds the hard state itself (a few bytes, stored whole) and names the live records: the snapshot's
 * and the segments', in log order, without a gap after the snapshot.
 */
export interface Head {
  /** Generation of the batch that wrote this head; every record it names has this generation or less. */
  gen: number;
  hardState: HardState;
  snapshot: { gen: number; meta: SnapshotMeta } | null;
  segments: SegmentRef[];
}

export const EMPTY_HEAD: Head = Object.freeze({
  gen: 0,
  hardState: Object.freeze({ term: 0, vote: null, commit: 0 }) as HardState,
  snapshot: null,
  segments: Object.freeze([]) as unknown as SegmentRef[],
}) as Head;

/** The head as stored: segments as `[start, count, gen, level, chars]` tuples, to keep it short. */
export function encodeHead(head: Head): string {
  return JSON.stringify({
    v: HEAD_VERSION,
    gen: head.gen,
    hardState: head.hardState,
    snapshot: head.snapshot,
    segments: head.segments.map((s) => [s.start, s.count, s.gen, s.level, s.chars]),
  });
}

const isIndex = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;

/**
 * Parses and checks a stored head: a garbled, truncated or wrong-shaped one throws
 * `StorageCorruptError` naming `key`. The segments it names must continue the snapshot without a gap.
 */
export function decodeHead(json: string, key: string): Head {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (cause) {
    throw new StorageCorruptError(key, `not valid JSON: ${String(cause)}`, { cause });
  }
  const corrupt = (why: string) => new StorageCorruptError(key, why);
  if (typeof value !== 'object' || value === null) throw corrupt('not an object');
  const raw = value as Record<string, unknown>;
  if (raw.v !== HEAD_VERSION) throw corrupt(`format version ${String(raw.v)} is not ${HEAD_VERSION}`);
  if (!isIndex(raw.gen)) throw corrupt('gen must be a non-negative integer');
  const gen = raw.gen;
  const hardState = checkHardStateRecord(raw.hardState, key);
  let snapshot: Head['snapshot'] = null;
  if (raw.snapshot !== null) {
    const s = raw.snapshot as { gen?: unknown; meta?: unknown } | undefined;
    if (typeof s !== 'object' || !isIndex(s.gen) || s.gen > gen) throw corrupt('snapshot has no valid gen');
    snapshot = { gen: s.gen, meta: checkSnapshotRecord({ meta: s.meta, data: null }, key).meta };
  }
  if (!Array.isArray(raw.segments)) throw corrupt('segments is not an array');
  const segments: SegmentRef[] = [];
  let next = (snapshot?.meta.index ?? 0) + 1;
  for (const tuple of raw.segments as unknown[]) {
    if (!Array.isArray(tuple) || tuple.length !== 5 || !tuple.every(isIndex)) {
      throw corrupt(`segment ${JSON.stringify(tuple)} is not [start, count, gen, level, chars]`);
    }
    const [start, count, segmentGen, level, chars] = tuple as [number, number, number, number, number];
    if (start !== next) throw corrupt(`the log has a gap: a segment starts at ${start}, not ${next}`);
    if (count < 1) throw corrupt(`the segment at ${start} is empty`);
    if (segmentGen > gen) throw corrupt(`the segment at ${start} is newer than the head`);
    segments.push({ start, count, gen: segmentGen, level, chars });
    next = start + count;
  }
  return { gen, hardState, snapshot, segments };
}
