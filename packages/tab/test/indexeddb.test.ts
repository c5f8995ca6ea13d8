import 'fake-indexeddb/auto';
import { StorageLostError } from '@webraft/core';
import { IndexedDbStorage } from '@webraft/storage-indexeddb';
import { describe, expect, it } from 'vitest';
import { claimTabIdentity, replaceLostIdentity } from '../src/index.js';
import { Origin } from './helpers.js';

const namespace = 'tab-test';
const hasData = (id: string) => IndexedDbStorage.hasData(id, { namespace });
const entry = (index: number) => ({ index, term: 1, kind: 'command' as const, data: index });

describe('with IndexedDbStorage (fake-indexeddb)', () => {
  it('the adapter marks the id used after its first batch; lost data then means a new id', async () => {
    const origin = new Origin();
    const tab = origin.tab();
    const identity = await claimTabIdentity(tab.options({ hasData }));
    const storage = new IndexedDbStorage(identity.id, { namespace, usage: identity.usage });
    await storage.load();
    expect(identity.usage.wasUsed()).toBe(false);
    await storage.persist({ entries: [entry(1)] });
    expect(identity.usage.wasUsed()).toBe(true);
    await storage.close();
    await identity.release();

    // Reloaded with the data there: the same id, and its log.
    const reloaded = await claimTabIdentity(tab.reloaded().options({ hasData }));
    expect(reloaded.id).toBe(identity.id);
    const again = new IndexedDbStorage(reloaded.id, { namespace, usage: reloaded.usage });
    expect((await again.load()).entries.map((e) => e.index)).toEqual([1]);
    await again.close();

    // The data goes (evicted, cleared): the adapter refuses to start empty, and a new id replaces it.
    await IndexedDbStorage.destroy(reloaded.id, { namespace });
    const empty = new IndexedDbStorage(reloaded.id, { namespace, usage: reloaded.usage });
    await expect(empty.load()).rejects.toThrow(StorageLostError);
    await empty.close();
    const replaced = await replaceLostIdentity(reloaded);
    expect(replaced.lostId).toBe(reloaded.id);
    const fresh = new IndexedDbStorage(replaced.id, { namespace, usage: replaced.usage });
    expect((await fresh.load()).entries).toEqual([]);
    await fresh.close();
  });

  it('a reload after the data was lost claims a new id straight away (hasData)', async () => {
    const origin = new Origin();
    const tab = origin.tab();
    const identity = await claimTabIdentity(tab.options({ hasData }));
    const storage = new IndexedDbStorage(identity.id, { namespace, usage: identity.usage });
    await storage.persist({ entries: [entry(1)] });
    await storage.close();
    await identity.release();
    await IndexedDbStorage.destroy(identity.id, { namespace });
    const next = await claimTabIdentity(tab.reloaded().options({ hasData }));
    expect(next.id).not.toBe(identity.id);
    expect(next.lostId).toBe(identity.id);
  });
});
