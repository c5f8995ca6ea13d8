import { ConfigurationError, StorageCorruptError, StorageLostError, type UsageMarker } from '@webraft/core';
import { describe, expect, it } from 'vitest';
import { LocalStorageStorage, nodePrefix } from '../src/index.js';
import { range, reloaded } from './helpers.js';
import { MemoryWebStorage } from './memory-web-storage.js';

const marker = (used = false): UsageMarker & { used: boolean; marks: number } => ({
  used,
  marks: 0,
  wasUsed() {
    return this.used;
  },
  markUsed() {
    this.used = true;
    this.marks++;
  },
});

describe('keys per node', () => {
  it('two node ids in one Storage never see each other’s data', async () => {
    const web = new MemoryWebStorage();
    const a = new LocalStorageStorage('a', { storage: web });
    const b = new LocalStorageStorage('b', { storage: web });
    await a.load();
    await b.load();
    await a.persist({ entries: range(1, 5, 1), hardState: { term: 1, vote: 'a', commit: 2 } });
    await b.persist({ entries: range(1, 2, 3), hardState: { term: 3, vote: null, commit: 0 } });
    await a.persist({ entries: range(6, 6, 1) });
    expect(await reloaded(web, 'a')).toEqual({
      hardState: { term: 1, vote: 'a', commit: 2 },
      snapshot: null,
      entries: range(1, 6, 1),
    });
    expect(await reloaded(web, 'b')).toEqual({
      hardState: { term: 3, vote: null, commit: 0 },
      snapshot: null,
      entries: range(1, 2, 3),
    });
    LocalStorageStorage.destroy('a', { storage: web });
    expect(LocalStorageStorage.hasData('a', { storage: web })).toBe(false);
    expect((await reloaded(web, 'b')).entries).toEqual(range(1, 2, 3));
  });

  it('ids and namespaces holding "/" or looking like record names cannot reach another node’s keys', async () => {
    const pairs: [string, string | undefined][] = [
      ['x', undefined],
      ['x', 'y'],
      ['y/x', undefined],
      ['head', 'x'],
      ['log', 'x'],
      ['x/head', undefined],
      ['%2F', undefined],
      ['/', undefined],
    ];
    const prefixes = pairs.map(([id, ns]) => nodePrefix(id, ns));
    for (const p of prefixes) for (const q of prefixes) if (p !== q) expect(q.startsWith(p)).toBe(false);
    const web = new MemoryWebStorage();
    for (const [k, [id, namespace]] of pairs.entries()) {
      const s = new LocalStorageStorage(id, { storage: web, namespace });
      await s.load();
      await s.persist({ entries: range(1, k + 1, 1) });
    }
    for (const [k, [id, namespace]] of pairs.entries()) {
      expect((await reloaded(web, id, { namespace })).entries).toEqual(range(1, k + 1, 1));
    }
  });

  it('keys and values of other apps in the Storage are left alone', async () => {
    const web = new MemoryWebStorage();
    web.setItem('webraft//n1', 'not ours');
    web.setItem('webraft//n1/settings', 'not ours either');
    const storage = new LocalStorageStorage('n1', { storage: web });
    await storage.load();
    await storage.persist({ entries: range(1, 3, 1) });
    await reloaded(web);
    LocalStorageStorage.destroy('n1', { storage: web });
    expect([...web.dump().keys()].sort()).toEqual(['webraft//n1', 'webraft//n1/settings']);
  });

  it('bad ids, namespaces and a missing localStorage throw ConfigurationError', () => {
    expect(() => new LocalStorageStorage('', { storage: new MemoryWebStorage() })).toThrow(
      ConfigurationError,
    );
    expect(() => new LocalStorageStorage('a', { storage: new MemoryWebStorage(), namespace: '' })).toThrow(
      ConfigurationError,
    );
    // Node has no localStorage global (unless started with --localstorage-file).
    expect(
      'localStorage' in globalThis && (globalThis as { localStorage?: unknown }).localStorage,
    ).toBeFalsy();
    expect(() => new LocalStorageStorage('a')).toThrow(ConfigurationError);
  });
});

it('every field of the hard state round trips, the cluster id too', async () => {
  const web = new MemoryWebStorage();
  const storage = new LocalStorageStorage('n1', { storage: web });
  await storage.load();
  const hardState = { term: 2, vote: 'n1', commit: 0, cluster: 'c-1' };
  await storage.persist({ hardState });
  expect((await reloaded(web)).hardState).toEqual(hardState);
});

describe('lost data', () => {
  it('an empty Storage whose usage marker says "used" fails load() with StorageLostError', async () => {
    const usage = marker(true);
    const storage = new LocalStorageStorage('n1', { storage: new MemoryWebStorage(), usage });
    await expect(storage.load()).rejects.toBeInstanceOf(StorageLostError);
    await expect(storage.load()).rejects.toMatchObject({ code: 'LOST', nodeId: 'n1' });
  });

  it('the marker is set once the first batch is durable, and never before', async () => {
    const usage = marker();
    const web = new MemoryWebStorage();
    const storage = new LocalStorageStorage('n1', { storage: web, usage });
    await storage.load();
    expect(usage.used).toBe(false);
    web.crashAfter(0);
    await expect(storage.persist({ entries: range(1, 1, 1) })).rejects.toMatchObject({ code: 'IO' });
    expect(usage.used).toBe(false);
    const revived = web.revive();
    const again = new LocalStorageStorage('n1', { storage: revived, usage });
    await again.load();
    await again.persist({ entries: range(1, 1, 1) });
    await again.persist({ entries: range(2, 2, 1) });
    expect(usage.marks).toBe(1);
    expect((await reloaded(revived, 'n1', { usage })).entries).toEqual(range(1, 2, 1));
  });

  it('keys cleared under a running handle fail its next batch with StorageLostError; it never rewrites them', async () => {
    const web = new MemoryWebStorage();
    const storage = new LocalStorageStorage('n1', { storage: web });
    await storage.load();
    await storage.persist({ entries: range(1, 3, 1), hardState: { term: 1, vote: 'n1', commit: 0 } });
    web.clear(); // another tab's localStorage.clear(), or the user clearing site data
    await expect(storage.persist({ entries: range(4, 4, 1) })).rejects.toBeInstanceOf(StorageLostError);
    expect(web.length).toBe(0);
    // A restart over the same object: load() finds nothing where this handle had data.
    await storage.close();
    await expect(storage.load()).rejects.toBeInstanceOf(StorageLostError);
  });

  it('another handle writing the same node id fails the next batch instead of planning on a stale head', async () => {
    const web = new MemoryWebStorage();
    const one = new LocalStorageStorage('n1', { storage: web });
    const two = new LocalStorageStorage('n1', { storage: web });
    await one.load();
    await two.load();
    await one.persist({ entries: range(1, 3, 1) });
    await expect(two.persist({ entries: range(1, 1, 2) })).rejects.toBeInstanceOf(StorageCorruptError);
    expect((await reloaded(web)).entries).toEqual(range(1, 3, 1));
  });
});
