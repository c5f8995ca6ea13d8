import { describe, expect, it } from 'vitest';
import { StorageError } from '../../src/errors.js';
import {
  STORAGE_RETRY_FIRST_MS,
  STORAGE_RETRY_MAX_MS,
  StorageRetry,
  toStorageError,
} from '../../src/runtime/storage-retry.js';

describe('storage retry backoff', () => {
  it('doubles from the first delay up to the cap, each wait jittered within [d/2, d)', () => {
    for (const draw of [0, 0.999]) {
      const retry = new StorageRetry(() => draw);
      const delays: number[] = [];
      for (let i = 0; i < 12; i++) delays.push(retry.failed(new StorageError('x')).delayMs);
      for (let i = 0; i < delays.length; i++) {
        const ceiling = Math.min(STORAGE_RETRY_MAX_MS, STORAGE_RETRY_FIRST_MS * 2 ** i);
        expect(delays[i]).toBeGreaterThanOrEqual(ceiling / 2);
        expect(delays[i]).toBeLessThan(ceiling);
      }
      expect(delays[11]).toBeGreaterThanOrEqual(STORAGE_RETRY_MAX_MS / 2);
    }
  });

  it('reports the first failure of a streak, then after 2, 4, 8, ... in a row, with the count', () => {
    const retry = new StorageRetry(() => 0.5);
    const first = new StorageError('disk busy', 'BLOCKED');
    const reported: (StorageError | null)[] = [];
    for (let i = 0; i < 9; i++) reported.push(retry.failed(first).report);
    expect(reported[0]).toBe(first);
    expect(reported.map((r) => r !== null)).toEqual([
      true,
      true,
      false,
      true,
      false,
      false,
      false,
      true,
      false,
    ]);
    expect(reported[7]!.message).toMatch(/failed 8 times in a row \(retrying in \d+ ms\): disk busy/);
    expect(reported[7]!.code).toBe('BLOCKED');
    expect(reported[7]!.fatal).toBe(false);
    retry.succeeded();
    expect(retry.streak).toBe(0);
    expect(retry.failed(first)).toMatchObject({ report: first, delayMs: STORAGE_RETRY_FIRST_MS * 0.75 });
  });

  it('wraps what is not a StorageError as a transient IO failure, and keeps StorageErrors as they are', () => {
    const own = new StorageError('quota', 'QUOTA');
    expect(toStorageError(own, 'persist')).toBe(own);
    const wrapped = toStorageError(new TypeError('boom'), 'load');
    expect(wrapped).toBeInstanceOf(StorageError);
    expect(wrapped).toMatchObject({
      code: 'IO',
      fatal: false,
      message: 'storage.load() failed: TypeError: boom',
    });
  });
});
