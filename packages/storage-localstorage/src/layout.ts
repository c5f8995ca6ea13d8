import { type Entry, type PersistPlan, StorageCorruptError, StorageError } from '@webraft/core';
import type { Head, SegmentRef } from './head.js';
import type { RecordKeys } from './keys.js';

/** Entries per segment at most: a cut (a conflicting suffix, a compaction) rewrites at most this many. */
export const MAX_SEGMENT_ENTRIES = 1024;

/**
 * Characters of JSON per segment at most (but one entry longer than this is a segment of its own): a
 * cut or a merge rewrites at most this much, and a batch needs that much room beside the live records
 * (128 Ki characters, 256 KiB, a twentieth of a 5 MiB localStorage) until its head switch.
 */
export const MAX_SEGMENT_CHARS = 128 * 1024;

/**
 * This many consecutive segments of one level merge into one of the next level (while the result
 * stays within `MAX_SEGMENT_ENTRIES`). So batches of one entry do not make one segment each: the head,
 * rewritten by every batch, names a few dozen segments instead of one per batch, and each entry is
 * rewritten about log8(1024) = 3.3 times in all.
 */
export const MERGE_FANOUT = 8;

/** The records one batch writes, the head it switches to, and the records that are dead after it. */
export interface BatchWrites {
  /** New immutable records, written before the head: `[key, value]`. */
  records: [string, string][];
  head: Head;
  /** Records the new head no longer names, removed after the head switch. */
  removes: string[];
}

/** A segment of the new layout: a stored one, or a new one (`json` set) to write under the new generation. */
interface Working extends SegmentRef {
  json?: string;
}

/**
 * Plans the writes of `plan` (from `planPersist`) against `head`. Reads segments only where a batch
 * cuts or merges them (`read`, a synchronous `getItem`), and writes nothing.
 */
export function planWrites(
  head: Head,
  plan: PersistPlan,
  keys: RecordKeys,
  read: (key: string) => string | null,
): BatchWrites {
  const gen = head.gen + 1;
  let segments: Working[] = head.segments.map((s) => ({ ...s }));
  const entriesOf = (s: Working): Entry[] => {
    if (s.json !== undefined) return JSON.parse(s.json) as Entry[];
    return storedEntries(read, keys.segment(s.gen, s.start), s);
  };

  // 1. A conflicting suffix (or the whole log, under a snapshot from the leader).
  if (plan.deleteFrom !== null) {
    const cut = plan.deleteFrom;
    segments = segments.filter((s) => s.start < cut);
    const last = segments.at(-1);
    if (last && last.start + last.count > cut) {
      segments[segments.length - 1] = rewritten(last, last.start, entriesOf(last).slice(0, cut - last.start));
    }
  }

  // 2. What a new snapshot covers.
  if (plan.snapshot !== null) {
    const through = plan.deleteThrough;
    segments = segments.filter((s) => s.start + s.count - 1 > through);
    const first = segments[0];
    if (first && first.start <= through) {
      segments[0] = rewritten(first, through + 1, entriesOf(first).slice(through + 1 - first.start));
    }
  }

  // 3. The new entries: one segment per batch, or a few for a long (or large) batch.
  let part: string[] = [];
  let partStart = 0;
  let partChars = 1;
  const flush = () => {
    if (part.length === 0) return;
    const json = `[${part.join(',')}]`;
    segments.push({ start: partStart, count: part.length, gen, level: 0, chars: json.length, json });
    part = [];
    partChars = 1;
  };
  for (const e of plan.append) {
    const json = toJson(e);
    if (
      part.length === MAX_SEGMENT_ENTRIES ||
      (part.length > 0 && partChars + json.length > MAX_SEGMENT_CHARS)
    ) {
      flush();
    }
    if (part.length === 0) partStart = e.index;
    part.push(json);
    partChars += json.length + 1;
  }
  flush();

  // 4. Merge the tail level by level.
  for (;;) {
    const tail = segments.slice(-MERGE_FANOUT);
    const level = tail[0]?.level;
    const count = tail.reduce((n, s) => n + s.count, 0);
    const chars = tail.reduce((n, s) => n + s.chars - 1, 1); // the brackets once, a comma between
    if (tail.length < MERGE_FANOUT || tail.some((s) => s.level !== level)) break;
    if (count > MAX_SEGMENT_ENTRIES || chars > MAX_SEGMENT_CHARS) break;
    const parts = tail.map((s) => {
      const key = keys.segment(s.gen, s.start);
      return arrayBody(s.json ?? storedJson(read, key), key);
    });
    const json = `[${parts.join(',')}]`;
    segments.splice(-MERGE_FANOUT, MERGE_FANOUT, {
      start: (tail[0] as Working).start,
      count,
      gen,
      level: (level as number) + 1,
      chars: json.length,
      json,
    });
  }

  const records: [string, string][] = [];
  const live = new Set<string>();
  const next: Head = {
    gen,
    // Copies: the head outlives the batch, whose objects the caller may change after `persist`.
    hardState: plan.hardState ? { ...plan.hardState } : head.hardState,
    snapshot: plan.snapshot ? { gen, meta: JSON.parse(toJson(plan.snapshot.meta)) } : head.snapshot,
    segments: segments.map((s) => {
      const ref: SegmentRef = {
        start: s.start,
        count: s.count,
        gen: s.json === undefined ? s.gen : gen,
        level: s.level,
        chars: s.chars,
      };
      const key = keys.segment(ref.gen, ref.start);
      if (s.json !== undefined) records.push([key, s.json]);
      live.add(key);
      return ref;
    }),
  };
  if (plan.snapshot) records.push([keys.snapshot(gen), toJson({ data: plan.snapshot.data })]);
  if (next.snapshot) live.add(keys.snapshot(next.snapshot.gen));
  const removes = liveKeys(head, keys).filter((key) => !live.has(key));
  return { records, head: next, removes };
}

/** What stays of a segment that a batch cuts: a new record under the batch's generation, same level. */
function rewritten(s: Working, start: number, kept: Entry[]): Working {
  const json = JSON.stringify(kept);
  return { ...s, start, count: kept.length, chars: json.length, json };
}

/** The keys of every record `head` names (the head itself aside). */
export function liveKeys(head: Head, keys: RecordKeys): string[] {
  const out = head.segments.map((s) => keys.segment(s.gen, s.start));
  if (head.snapshot) out.push(keys.snapshot(head.snapshot.gen));
  return out;
}

/** JSON of what a batch stores; a value JSON cannot hold (a bigint, a cycle) is the caller's bug. */
function toJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (cause) {
    throw new StorageError(`the batch is not JSON: ${String(cause)}`, 'INVALID_BATCH', { cause });
  }
}

function storedJson(read: (key: string) => string | null, key: string): string {
  const json = read(key);
  if (json === null) throw new StorageCorruptError(key, 'the segment the head names is missing');
  return json;
}

/** The entries of a stored segment, checked enough to cut it safely. */
function storedEntries(read: (key: string) => string | null, key: string, s: SegmentRef): Entry[] {
  const json = storedJson(read, key);
  let entries: unknown;
  try {
    entries = JSON.parse(json);
  } catch (cause) {
    throw new StorageCorruptError(key, `not valid JSON: ${String(cause)}`, { cause });
  }
  if (
    json.length !== s.chars ||
    !Array.isArray(entries) ||
    entries.length !== s.count ||
    entries[0]?.index !== s.start
  ) {
    throw new StorageCorruptError(key, `not the ${s.count} entries from ${s.start} the head names`);
  }
  return entries as Entry[];
}

/** `a,b,c` of the JSON array `[a,b,c]`, to join arrays without parsing them. */
function arrayBody(json: string, key: string): string {
  if (!json.startsWith('[') || !json.endsWith(']')) throw new StorageCorruptError(key, 'not a JSON array');
  return json.slice(1, -1);
}
