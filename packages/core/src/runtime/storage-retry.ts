import { StorageError } from '../errors.js';
import type { RandomSource } from './clock.js';
import { formatMs } from './format-ms.js';

/**
 * What the runtime does when a storage call fails (errors.ts defines the codes and which are fatal):
 * - a fatal `StorageError` (`error.fatal`: quota, corrupt or lost data, a broken batch) halts the
 *   node: retrying cannot help, and going on without durable state would break Raft's guarantees;
 * - a transient one (blocked, closed, I/O) is retried, with capped exponential backoff and jitter:
 *   50 ms, doubling up to 5 s; each wait is drawn from [d/2, d) so that nodes sharing a disk (tabs of
 *   one browser profile) do not retry in lockstep.
 * Reported on `error`, without flooding: the first failure of a streak, then again after 2, 4, 8, ...
 * failures in a row (with the count), so a long streak stays visible at a logarithmic rate.
 */
export const STORAGE_RETRY_FIRST_MS = 50;
export const STORAGE_RETRY_MAX_MS = 5_000;

/** Any failure of a storage call as a `StorageError` (adapters should reject with one; a bug may not). */
export function toStorageError(cause: unknown, call: string): StorageError {
  if (cause instanceof StorageError) return cause;
  return new StorageError(`storage.${call}() failed: ${String(cause)}`, 'IO', { cause });
}

/** The backoff and reporting state of one streak of failed writes. */
export class StorageRetry {
  private failures = 0;

  constructor(private readonly random: RandomSource) {}

  /** Failures in a row so far. */
  get streak(): number {
    return this.failures;
  }

  /**
   * Records a failed write. Returns the wait before the next attempt and what to report on `error`
   * (null when this failure is not reported, to keep a long streak from flooding listeners).
   */
  failed(error: StorageError): { delayMs: number; report: StorageError | null } {
    this.failures++;
    const ceiling = Math.min(STORAGE_RETRY_MAX_MS, STORAGE_RETRY_FIRST_MS * 2 ** (this.failures - 1));
    const delayMs = ceiling / 2 + this.random() * (ceiling / 2);
    const n = this.failures;
    // Powers of two: 1, 2, 4, 8, ...
    if ((n & (n - 1)) !== 0) return { delayMs, report: null };
    const report =
      n === 1
        ? error
        : new StorageError(
            `storage writes failed ${n} times in a row (retrying in ${formatMs(delayMs)}): ${error.message}`,
            error.code,
            { cause: error, fatal: false },
          );
    return { delayMs, report };
  }

  /** A write succeeded: the streak is over. */
  succeeded(): void {
    this.failures = 0;
  }
}
