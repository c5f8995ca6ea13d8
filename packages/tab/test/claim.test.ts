import { ConfigurationError } from '@webraft/core';
import { describe, expect, it, vi } from 'vitest';
import { claimTabIdentity, replaceLostIdentity } from '../src/index.js';
import { lockName, Origin } from './helpers.js';

/** A tab whose id wrote data, then closed (its lock free). */
async function usedThenClosed() {
  const origin = new Origin();
  const tab = origin.tab();
  const first = await claimTabIdentity(tab.options());
  first.usage.markUsed();
  await first.release();
  return { origin, tab, first };
}

describe('claimTabIdentity', () => {
  it('mints an id, keeps it in sessionStorage, holds its lock and records it (not used yet)', async () => {
    const origin = new Origin();
    const tab = origin.tab();
    const identity = await claimTabIdentity(tab.options());
    expect(identity.id).toMatch(/^tab-[0-9a-f-]{36}$/);
    expect(identity.held).toBe(true);
    expect(identity.lostId).toBeUndefined();
    expect(tab.session.getItem('webraft-tab/c1')).toBe(identity.id);
    expect(origin.locks.isHeld(lockName(identity.id))).toBe(true);
    expect(identity.usage.wasUsed()).toBe(false);
  });

  it('a reload keeps the id: pagehide lets the lock go, the next document claims the same id', async () => {
    const origin = new Origin();
    const tab = origin.tab();
    const first = await claimTabIdentity(tab.options());
    tab.pagehide(false);
    expect(first.held).toBe(false);
    await vi.waitFor(() => expect(origin.locks.isHeld(lockName(first.id))).toBe(false));
    const again = await claimTabIdentity(tab.reloaded().options());
    expect(again.id).toBe(first.id);
    expect(again.held).toBe(true);
  });

  it('a duplicated tab (sessionStorage copied, lock held by the original) gets a fresh id', async () => {
    const origin = new Origin();
    const tab = origin.tab();
    const original = await claimTabIdentity(tab.options());
    const duplicate = tab.duplicated();
    const copy = await claimTabIdentity(duplicate.options());
    expect(copy.id).not.toBe(original.id);
    expect(copy.lostId).toBeUndefined();
    expect(duplicate.session.getItem('webraft-tab/c1')).toBe(copy.id);
    expect(tab.session.getItem('webraft-tab/c1')).toBe(original.id);
    expect(origin.locks.isHeld(lockName(original.id))).toBe(true);
    expect(origin.locks.isHeld(lockName(copy.id))).toBe(true);
  });

  it('release() frees the lock and stops listening to pagehide/pageshow', async () => {
    const origin = new Origin();
    const tab = origin.tab();
    const identity = await claimTabIdentity(tab.options());
    await identity.release();
    expect(identity.held).toBe(false);
    expect(origin.locks.isHeld(lockName(identity.id))).toBe(false);
    tab.pageshow(true);
    expect(identity.held).toBe(false);
    expect(origin.locks.isHeld(lockName(identity.id))).toBe(false);
  });

  it('one id per cluster and per namespace', async () => {
    const origin = new Origin();
    const tab = origin.tab();
    const a = await claimTabIdentity(tab.options({ cluster: 'a' }));
    const b = await claimTabIdentity(tab.options({ cluster: 'b' }));
    const aOther = await claimTabIdentity(tab.options({ cluster: 'a', namespace: 'other' }));
    expect(new Set([a.id, b.id, aOther.id]).size).toBe(3);
    expect(tab.session.getItem('webraft-tab/a')).toBe(a.id);
    expect(tab.session.getItem('webraft-tab/other/a')).toBe(aOther.id);
  });

  it('the usage marker records the first durable write in localStorage, per id', async () => {
    const origin = new Origin();
    const identity = await claimTabIdentity(origin.tab().options());
    identity.usage.markUsed();
    expect(identity.usage.wasUsed()).toBe(true);
    expect(JSON.parse(origin.records.getItem(lockName(identity.id))!)).toMatchObject({ used: true });
  });

  it('marker says used, hasData says no data: a new id, the old one reported as lostId and never claimed again', async () => {
    const { origin, tab, first } = await usedThenClosed();
    const hasData = vi.fn(async () => false);
    const second = await claimTabIdentity(tab.reloaded().options({ hasData }));
    expect(hasData).toHaveBeenCalledWith(first.id);
    expect(second.id).not.toBe(first.id);
    expect(second.lostId).toBe(first.id);
    expect(origin.locks.isHeld(lockName(first.id))).toBe(false);
    expect(tab.session.getItem('webraft-tab/c1')).toBe(second.id);
    // Even with data back (hasData true), the lost id stays lost.
    tab.session.setItem('webraft-tab/c1', first.id);
    await second.release();
    const third = await claimTabIdentity(tab.reloaded().options({ hasData: async () => true }));
    expect(third.id).not.toBe(first.id);
    expect(third.lostId).toBe(first.id);
  });

  it('marker says used and the data is there: the same id', async () => {
    const { tab, first } = await usedThenClosed();
    const second = await claimTabIdentity(tab.reloaded().options({ hasData: async () => true }));
    expect(second.id).toBe(first.id);
    expect(second.lostId).toBeUndefined();
  });

  it('an id never used is kept without asking hasData (it has nothing to lose)', async () => {
    const origin = new Origin();
    const tab = origin.tab();
    const first = await claimTabIdentity(tab.options());
    await first.release();
    const hasData = vi.fn(async () => false);
    const second = await claimTabIdentity(tab.reloaded().options({ hasData }));
    expect(second.id).toBe(first.id);
    expect(hasData).not.toHaveBeenCalled();
  });

  it('localStorage cleared (the id has no record any more): a new id, the old one as lostId', async () => {
    const origin = new Origin();
    const tab = origin.tab();
    const first = await claimTabIdentity(tab.options());
    await first.release();
    origin.records.clear();
    const second = await claimTabIdentity(tab.reloaded().options());
    expect(second.id).not.toBe(first.id);
    expect(second.lostId).toBe(first.id);
  });

  it('a hasData that throws fails the claim and leaves the lock free', async () => {
    const { origin, tab, first } = await usedThenClosed();
    const failure = new Error('IndexedDB is broken');
    await expect(
      claimTabIdentity(tab.reloaded().options({ hasData: () => Promise.reject(failure) })),
    ).rejects.toBe(failure);
    expect(origin.locks.isHeld(lockName(first.id))).toBe(false);
  });

  it('replaceLostIdentity lets the lost id go, marks it lost and claims a new id', async () => {
    const origin = new Origin();
    const tab = origin.tab();
    const first = await claimTabIdentity(tab.options());
    first.usage.markUsed();
    const second = await replaceLostIdentity(first);
    expect(first.held).toBe(false);
    expect(origin.locks.isHeld(lockName(first.id))).toBe(false);
    expect(second.id).not.toBe(first.id);
    expect(second.lostId).toBe(first.id);
    expect(second.usage.wasUsed()).toBe(false);
    expect(tab.session.getItem('webraft-tab/c1')).toBe(second.id);
    expect(JSON.parse(origin.records.getItem(lockName(first.id))!)).toMatchObject({ lost: true });
  });

  it('ConfigurationError without sessionStorage or Web Locks, or without a cluster', async () => {
    const origin = new Origin();
    const tab = origin.tab();
    await expect(claimTabIdentity({ ...tab.options(), storage: undefined })).rejects.toThrow(
      ConfigurationError,
    );
    await expect(claimTabIdentity({ ...tab.options(), locks: undefined })).rejects.toThrow(
      /navigator\.locks/,
    );
    await expect(claimTabIdentity(tab.options({ cluster: '' }))).rejects.toThrow(ConfigurationError);
  });
});
