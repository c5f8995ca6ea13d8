import { type FileHandle, open, readFile } from 'node:fs/promises';
import {
  applyPlan,
  checkLoadedState,
  planPersist,
  StorageCorruptError,
  StorageError,
  type StoredImage,
  StoredLog,
} from '@webraft/core';
import { decodePayload, encodePayload } from './records.js';
import { decodeFile, encodeRecord, HEADER_BYTES, MAGIC, WalFormatError } from './wal-format.js';

/** A log file read back: the state it encodes and how its bytes split. */
export interface ReadLog {
  image: StoredImage;
  stored: StoredLog;
  /** Bytes of whole records (where the next append goes). */
  bytes: number;
  /** Bytes of the header and base record: what a rewrite would write again at least. */
  baseBytes: number;
  /** A crash left an unacknowledged partial record after `bytes`. */
  tornTail: boolean;
}

const emptyImage = (): StoredImage => ({
  hardState: { term: 0, vote: null, commit: 0 },
  snapshot: null,
  entries: [],
});

/**
 * Reads a log file and replays it: the base record, then every batch through `planPersist`, as
 * `persist` checked it when it was written. Anything but a torn tail is a `StorageCorruptError`.
 */
export async function readLog(path: string, name: string): Promise<ReadLog> {
  const bytes = await readFile(path);
  let decoded: ReturnType<typeof decodeFile>;
  try {
    decoded = decodeFile(bytes);
  } catch (error) {
    if (error instanceof WalFormatError)
      throw new StorageCorruptError(`${name}@${error.offset}`, error.reason);
    throw error;
  }
  let image = emptyImage();
  let stored = StoredLog.empty();
  let baseBytes = MAGIC.length;
  decoded.payloads.forEach((payload, i) => {
    const record = decodePayload(payload);
    const where = `${name} record ${i}`;
    if (record === null) throw new StorageCorruptError(where, 'not a log record');
    if (record.kind === 'base') {
      if (i !== 0) throw new StorageCorruptError(where, 'a base record after the first record');
      image = checkLoadedState(record.image, where);
      stored = StoredLog.from(image);
      baseBytes += payload.length + HEADER_BYTES;
      return;
    }
    let plan: ReturnType<typeof planPersist>;
    try {
      plan = planPersist(stored, record.batch);
    } catch (error) {
      if (error instanceof StorageError) throw new StorageCorruptError(where, error.message);
      throw error;
    }
    applyPlan(image, plan);
    stored.apply(plan);
  });
  return { image, stored, bytes: decoded.validBytes, baseBytes, tornTail: decoded.tornTail };
}

/** Writes a new log file holding `image` as its base record, and fsyncs it before returning. */
export async function writeBaseFile(path: string, image: StoredImage | null): Promise<number> {
  const parts: Buffer[] = [MAGIC];
  if (image !== null) parts.push(encodeRecord(encodePayload({ kind: 'base', image })));
  const bytes = Buffer.concat(parts);
  const handle = await open(path, 'wx');
  try {
    await writeAll(handle, bytes, 0);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return bytes.length;
}

/** `write` may write less than asked: loops until every byte is at `position`. */
export async function writeAll(handle: FileHandle, bytes: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.length - done, position + done);
    done += bytesWritten;
  }
}
