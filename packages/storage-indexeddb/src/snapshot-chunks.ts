import { StorageCorruptError, StorageError } from '@webraft/core';

/**
 * A snapshot's data as JSON cut into strings of at most `chunkChars` characters. The data is JSON by
 * contract (the state machine's `snapshot()`), and a string cuts anywhere: chunks keep any single
 * stored value small however large the state machine grows. No chunk for `undefined` data.
 */
export function encodeSnapshotData(data: unknown, chunkChars: number): string[] {
  let json: string | undefined;
  try {
    json = JSON.stringify(data);
  } catch (cause) {
    throw new StorageError(`the snapshot's data is not JSON: ${String(cause)}`, 'INVALID_BATCH', { cause });
  }
  if (json === undefined) return [];
  const chunks: string[] = [];
  for (let at = 0; at < json.length; at += chunkChars) chunks.push(json.slice(at, at + chunkChars));
  if (chunks.length === 0) chunks.push('');
  return chunks;
}

/** Joins and parses chunks read back; `record` names the chunk store in errors. */
export function decodeSnapshotData(chunks: unknown[], expected: number, record: string): unknown {
  if (chunks.length !== expected) {
    throw new StorageCorruptError(
      record,
      `the snapshot has ${expected} chunks but ${chunks.length} are stored`,
    );
  }
  if (expected === 0) return undefined;
  const bad = chunks.findIndex((chunk) => typeof chunk !== 'string');
  if (bad >= 0) throw new StorageCorruptError(`${record}/${bad}`, 'a chunk is not a string');
  try {
    return JSON.parse((chunks as string[]).join(''));
  } catch (cause) {
    throw new StorageCorruptError(record, `the snapshot's data is not valid JSON: ${String(cause)}`, {
      cause,
    });
  }
}
