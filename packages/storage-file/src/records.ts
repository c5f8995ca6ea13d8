import { deserialize, serialize } from 'node:v8';
import type { PersistBatch, StoredImage } from '@webraft/core';

/*
 * What a record's payload holds. Values are encoded with V8's serializer: the structured clone algorithm,
 * the same values IndexedDB stores in a browser (Map, Set, Date, typed arrays, not only JSON), and
 * readable by later Node versions (the format carries its version). The first record of a file is a
 * `base`, the whole state when the file was written; every later one is a `batch`, replayed in order.
 */
export type LogRecord = { kind: 'base'; image: StoredImage } | { kind: 'batch'; batch: PersistBatch };

export function encodePayload(record: LogRecord): Buffer {
  return serialize(record);
}

/** Decodes a payload; null when it is not a record of ours (the caller names the file and offset). */
export function decodePayload(payload: Buffer): LogRecord | null {
  let value: unknown;
  try {
    value = deserialize(payload);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const record = value as Partial<{ kind: unknown; image: unknown; batch: unknown }>;
  if (record.kind === 'base' && typeof record.image === 'object' && record.image !== null)
    return value as LogRecord;
  if (record.kind === 'batch' && typeof record.batch === 'object' && record.batch !== null)
    return value as LogRecord;
  return null;
}
