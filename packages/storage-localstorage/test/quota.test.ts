import { StorageQuotaError } from '@webraft/core';
import { describe, expect, it } from 'vitest';
import { LocalStorageStorage } from '../src/index.js';
import { range, reloaded, snapshot } from './helpers.js';
import { MemoryWebStorage } from './memory-web-storage.js';

/** Appends batches of `size` entries until one fails; returns the failure and the last acknowledged index. */
async function fillUntilFull(
  storage: LocalStorageStorage,
  size: number,
): Promise<{ error: unknown; acked: number }> {
  let acked = 0;
  for (;;) {
    try {
      await storage.persist({
        entries: range(acked + 1, acked + size, 1).map((e) => ({ ...e, data: 'x'.repeat(200) })),
      });
      acked += size;
    } catch (error) {
      return { error, acked };
    }
  }
}

describe('quota', () => {
  it('QuotaExceededError becomes StorageQuotaError with the bytes in use; nothing acknowledged is lost, no orphan stays', async () => {
    const web = new MemoryWebStorage({ quotaBytes: 200_000 });
    web.setItem('other-app', 'y'.repeat(10_000)); // the origin's quota is shared with everything else
    const storage = new LocalStorageStorage('n1', { storage: web });
    await storage.load();
    const { error, acked } = await fillUntilFull(storage, 7);
    expect(acked).toBeGreaterThan(50);
    expect(error).toBeInstanceOf(StorageQuotaError);
    const quota = error as StorageQuotaError;
    expect(quota.code).toBe('QUOTA');
    expect(quota.fatal).toBe(true);
    // The whole Storage's bytes after the failed batch's records were removed again.
    expect(quota.bytesInUse).toBe(web.bytes());
    expect(quota.message).toContain(`${storage.bytesInUse()} of them by webraft//n1/*`);
    const keysAfterFailure = [...web.dump().keys()].sort();
    const state = await reloaded(web);
    expect(state.entries.map((e) => e.index)).toEqual(range(1, acked, 1).map((e) => e.index));
    // The records the failed batch wrote before the quota hit were removed: the load swept nothing.
    expect([...web.dump().keys()].sort()).toEqual(keysAfterFailure);
  });

  it('a head that no longer fits fails the batch the same way and keeps the old head', async () => {
    const web = new MemoryWebStorage({ quotaBytes: 60_000 });
    const storage = new LocalStorageStorage('n1', { storage: web });
    await storage.load();
    await storage.persist({ entries: range(1, 10, 1) });
    const before = await reloaded(web);
    const keys = [...web.dump().keys()];
    // A vote string so long that only the head grows past the quota.
    const failure = storage.persist({ hardState: { term: 1, vote: 'v'.repeat(40_000), commit: 0 } });
    await expect(failure).rejects.toBeInstanceOf(StorageQuotaError);
    expect(await reloaded(web)).toEqual(before);
    expect([...web.dump().keys()]).toEqual(keys);
  });

  it('records a failed batch wrote before the quota hit are removed again', async () => {
    const web = new MemoryWebStorage({ quotaBytes: 100_000 });
    const storage = new LocalStorageStorage('n1', { storage: web });
    await storage.load();
    await storage.persist({ entries: range(1, 10, 1) });
    const before = await reloaded(web);
    const keys = [...web.dump().keys()];
    const writes = web.writes;
    // The new segment fits; the snapshot record written after it does not.
    const failure = storage.persist({
      entries: range(11, 20, 1),
      compaction: snapshot(15, 1, 'z'.repeat(60_000)),
    });
    await expect(failure).rejects.toBeInstanceOf(StorageQuotaError);
    expect(web.writes - writes).toBe(2); // the segment, then its removal
    expect([...web.dump().keys()]).toEqual(keys);
    expect(await reloaded(web)).toEqual(before);
  });

  it('the legacy code 22 is a quota failure too', async () => {
    const web = new MemoryWebStorage();
    const storage = new LocalStorageStorage('n1', { storage: web });
    await storage.load();
    web.setItem = () => {
      throw Object.assign(new Error('QUOTA_EXCEEDED_ERR'), { name: 'Error', code: 22 });
    };
    await expect(storage.persist({ entries: range(1, 1, 1) })).rejects.toBeInstanceOf(StorageQuotaError);
  });

  it('another setItem failure is a transient IO error; the batch can be retried', async () => {
    const web = new MemoryWebStorage();
    const storage = new LocalStorageStorage('n1', { storage: web });
    await storage.load();
    const setItem = web.setItem.bind(web);
    web.setItem = () => {
      throw new Error('disk on fire');
    };
    await expect(storage.persist({ entries: range(1, 2, 1) })).rejects.toMatchObject({
      code: 'IO',
      fatal: false,
    });
    web.setItem = setItem;
    await storage.persist({ entries: range(1, 2, 1) });
    expect((await reloaded(web)).entries).toEqual(range(1, 2, 1));
  });

  it('compaction keeps the footprint bounded: the live records only, whatever was written before', async () => {
    const web = new MemoryWebStorage();
    const storage = new LocalStorageStorage('n1', { storage: web });
    await storage.load();
    let peak = 0;
    for (let last = 0; last < 20_000; ) {
      await storage.persist({ entries: range(last + 1, last + 10, 1) });
      last += 10;
      // As the runtime does with snapshotThreshold 1,000: keep the last 1,000 entries at most.
      if (last % 1_000 === 0) await storage.persist({ compaction: snapshot(last - 500, 1) });
      peak = Math.max(peak, web.bytes());
    }
    const state = await reloaded(web);
    expect(state.snapshot?.meta.index).toBe(19_500);
    // Every key is live: the head, the snapshot record, and the segments of entries 19,501..20,000.
    const live = (JSON.stringify(state.entries).length + JSON.stringify(state.snapshot?.data).length) * 2;
    expect(web.bytes()).toBeLessThan(live + 4_000);
    // And never more than the log's 1,500 entries at most, plus what one batch writes before removing.
    const entryBytes = JSON.stringify(range(1, 1, 1)[0]).length * 2 + 20;
    expect(peak).toBeLessThan(1_500 * entryBytes + 2 * 1_024 * entryBytes);
  });
});
