import { crc32 } from 'node:zlib';

/*
 * The bytes of a log file (README.md, Layout):
 *   file   = MAGIC record*
 *   record = length (uint32 BE) | crc32 of payload (uint32 BE) | payload (`length` bytes, length >= 1)
 * A record is written whole by one append and acknowledged only after fsync, so after a crash only the
 * last record can be incomplete: shorter than its header says, or zeros where the file grew but the data
 * never reached the disk. Such a tail was never acknowledged and is cut off. A bad record with good
 * records after it cannot come from a crash: that file is corrupt.
 */

/** "webraft WAL, format 1". A file that does not start with it is not ours (or a later format). */
export const MAGIC = Buffer.from('WRFTWAL1', 'latin1');
export const HEADER_BYTES = 8;
/** A record's payload is at most this large (a snapshot larger than 1 GiB does not belong in one file). */
export const MAX_RECORD_BYTES = 1 << 30;

export function encodeRecord(payload: Buffer): Buffer {
  const record = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  record.writeUInt32BE(payload.length, 0);
  record.writeUInt32BE(crc32(payload), 4);
  payload.copy(record, HEADER_BYTES);
  return record;
}

export interface DecodedFile {
  /** The payloads of the whole records, in order. */
  payloads: Buffer[];
  /** Where the whole records end: the file is cut to this length when `tornTail` is true. */
  validBytes: number;
  /** Bytes after the last whole record that a crash left (cut off at load). */
  tornTail: boolean;
}

/** Why a file cannot be read; `offset` is where its bad part starts. */
export class WalFormatError extends Error {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`${reason} at byte ${offset}`);
  }
}

const allZero = (bytes: Buffer, from: number): boolean => {
  for (let i = from; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
};

/** Splits a file into its records. Throws `WalFormatError` for anything a crash cannot explain. */
export function decodeFile(bytes: Buffer): DecodedFile {
  // Files are created whole under a temporary name and renamed, so a crash never leaves half a header.
  if (bytes.length < MAGIC.length || !bytes.subarray(0, MAGIC.length).equals(MAGIC))
    throw new WalFormatError(0, 'not a webraft log file (no WRFTWAL1 header)');
  const payloads: Buffer[] = [];
  let offset = MAGIC.length;
  while (offset < bytes.length) {
    const end = recordEnd(bytes, offset);
    if (end === null) {
      if (isTornTail(bytes, offset)) return { payloads, validBytes: offset, tornTail: true };
      throw new WalFormatError(offset, 'a record fails its checksum and records follow it');
    }
    payloads.push(bytes.subarray(offset + HEADER_BYTES, end));
    offset = end;
  }
  return { payloads, validBytes: offset, tornTail: false };
}

/** Where the whole, checksummed record at `offset` ends, or null when there is none. */
function recordEnd(bytes: Buffer, offset: number): number | null {
  if (bytes.length - offset < HEADER_BYTES) return null;
  const length = bytes.readUInt32BE(offset);
  const end = offset + HEADER_BYTES + length;
  if (length === 0 || length > MAX_RECORD_BYTES || end > bytes.length) return null;
  const payload = bytes.subarray(offset + HEADER_BYTES, end);
  return crc32(payload) === bytes.readUInt32BE(offset + 4) ? end : null;
}

/**
 * A bad record is a torn tail when nothing after it could be a record: it runs past the end of the
 * file, or it is the last thing in the file, or all that follows its start is zeros.
 */
function isTornTail(bytes: Buffer, offset: number): boolean {
  if (bytes.length - offset < HEADER_BYTES) return true;
  if (allZero(bytes, offset)) return true;
  const length = bytes.readUInt32BE(offset);
  return offset + HEADER_BYTES + length >= bytes.length;
}
