import { StorageLostError } from '@webraft/core';
import { describe, expect, it, vi } from 'vitest';
import { adoptIdentity, claimTabIdentity, listIdentities, TabIdentityError } from '../src/index.js';
import { lockName, Origin } from './helpers.js';

describe('listIdentities', () => {
  it('lists every id of the cluster, held by a live tab or free since its tab closed', async () => {
    const origin = new Origin();
    const live = await claimTabIdentity(origin.tab().options());
    const closed = await claimTabIdentity(origin.tab().options());
    closed.usage.markUsed();
    await closed.release();
    await claimTabIdentity(origin.tab().options({ cluster: 'another' }));
    const listed = await listIdentities({ cluster: 'c1', records: origin.records, locks: origin.locks });
    expect(listed).toEqual(
      [
        { id: live.id, held: true, hasData: undefined, used: false, lost: false },
        { id: closed.id, held: false, hasData: undefined, used: true, lost: false },
      ].sort((a, b) => (a.id < b.id ? -1 : 1)),
    );
  });

  it('asks hasData about each id when given one', async () => {
    const origin = new Origin();
    const one = await claimTabIdentity(origin.tab().options());
    const two = await claimTabIdentity(origin.tab().options());
    const listed = await listIdentities({
      cluster: 'c1',
      records: origin.records,
      locks: origin.locks,
      hasData: async (id) => id === two.id,
    });
    expect(Object.fromEntries(listed.map((l) => [l.id, l.hasData]))).toEqual({
      [one.id]: false,
      [two.id]: true,
    });
  });

  it('ignores other keys of localStorage and records it cannot name', async () => {
    const origin = new Origin();
    const identity = await claimTabIdentity(origin.tab().options());
    origin.records.setItem('unrelated', '1');
    origin.records.setItem('webraft-tab/c1/id/', '{}');
    origin.records.setItem('webraft-tab/c1/id/%E0%A4%A', '{}');
    const listed = await listIdentities({ cluster: 'c1', records: origin.records, locks: origin.locks });
    expect(listed.map((l) => l.id)).toEqual([identity.id]);
  });
});

describe('adoptIdentity', () => {
  it('takes over a free id: holds its lock, keeps it in sessionStorage, so a reload keeps it', async () => {
    const origin = new Origin();
    const closed = await claimTabIdentity(origin.tab().options());
    closed.usage.markUsed();
    await closed.release();
    const host = origin.tab();
    const adopted = await adoptIdentity({ ...host.options({ hasData: async () => true }), id: closed.id });
    expect(adopted.id).toBe(closed.id);
    expect(adopted.usage.wasUsed()).toBe(true);
    expect(origin.locks.isHeld(lockName(closed.id))).toBe(true);
    expect(host.session.getItem('webraft-tab/c1')).toBe(closed.id);
    await adopted.release();
    expect((await claimTabIdentity(host.reloaded().options())).id).toBe(closed.id);
  });

  it('fails with TabIdentityError HELD while a live tab holds the id', async () => {
    const origin = new Origin();
    const live = await claimTabIdentity(origin.tab().options());
    const attempt = adoptIdentity({ ...origin.tab().options(), id: live.id });
    await expect(attempt).rejects.toThrow(TabIdentityError);
    await expect(attempt).rejects.toMatchObject({ code: 'HELD', nodeId: live.id });
    expect(live.held).toBe(true);
  });

  it('fails with UNKNOWN_ID for an id the origin has no record of', async () => {
    const origin = new Origin();
    await expect(adoptIdentity({ ...origin.tab().options(), id: 'tab-nobody' })).rejects.toMatchObject({
      code: 'UNKNOWN_ID',
    });
  });

  it('fails with StorageLostError when the id wrote data that is gone, and marks it lost', async () => {
    const origin = new Origin();
    const closed = await claimTabIdentity(origin.tab().options());
    closed.usage.markUsed();
    await closed.release();
    const hasData = vi.fn(async () => false);
    await expect(adoptIdentity({ ...origin.tab().options({ hasData }), id: closed.id })).rejects.toThrow(
      StorageLostError,
    );
    expect(origin.locks.isHeld(lockName(closed.id))).toBe(false);
    // Lost for good: no hasData call needed the second time.
    await expect(adoptIdentity({ ...origin.tab().options(), id: closed.id })).rejects.toThrow(
      StorageLostError,
    );
    const listed = await listIdentities({ cluster: 'c1', records: origin.records, locks: origin.locks });
    expect(listed).toMatchObject([{ id: closed.id, lost: true, held: false }]);
  });
});

describe('the back/forward cache', () => {
  /** A tab whose page went into the cache, its id then adopted by another tab. */
  async function adoptedWhileCached() {
    const origin = new Origin();
    const tab = origin.tab();
    const onTakenOver = vi.fn();
    const identity = await claimTabIdentity(tab.options({ onTakenOver }));
    tab.pagehide(true);
    await vi.waitFor(() => expect(origin.locks.isHeld(lockName(identity.id))).toBe(false));
    const adopter = await adoptIdentity({ ...origin.tab().options(), id: identity.id });
    return { origin, tab, onTakenOver, identity, adopter };
  }

  it('pagehide lets the lock go; pageshow from the cache takes it back', async () => {
    const origin = new Origin();
    const tab = origin.tab();
    const identity = await claimTabIdentity(tab.options());
    tab.pagehide(true);
    await vi.waitFor(() => expect(origin.locks.isHeld(lockName(identity.id))).toBe(false));
    tab.pageshow(true);
    await vi.waitFor(() => expect(identity.held).toBe(true));
    expect(origin.locks.isHeld(lockName(identity.id))).toBe(true);
  });

  it('another tab adopted the id while the page was cached: TAKEN_OVER, and the lock is not held', async () => {
    const { tab, onTakenOver, identity, adopter } = await adoptedWhileCached();
    tab.pageshow(true);
    await vi.waitFor(() => expect(onTakenOver).toHaveBeenCalledOnce());
    expect(onTakenOver.mock.calls[0]![0]).toMatchObject({ code: 'TAKEN_OVER', nodeId: identity.id });
    expect(identity.held).toBe(false);
    expect(adopter.held).toBe(true);
  });

  it('adopted and let go again while cached: still TAKEN_OVER (the node in the page is stale)', async () => {
    const { origin, tab, onTakenOver, identity, adopter } = await adoptedWhileCached();
    await adopter.release();
    tab.pageshow(true);
    await vi.waitFor(() => expect(onTakenOver).toHaveBeenCalledOnce());
    expect(identity.held).toBe(false);
    expect(origin.locks.isHeld(lockName(identity.id))).toBe(false);
  });

  it('a pageshow that is not from the cache changes nothing', async () => {
    const origin = new Origin();
    const tab = origin.tab();
    const identity = await claimTabIdentity(tab.options());
    tab.pagehide(false);
    tab.pageshow(false);
    await vi.waitFor(() => expect(origin.locks.isHeld(lockName(identity.id))).toBe(false));
    expect(identity.held).toBe(false);
  });
});

describe('releaseOnPagehide: false', () => {
  it('keeps the lock through pagehide and pageshow', async () => {
    const origin = new Origin();
    const tab = origin.tab();
    const identity = await claimTabIdentity(tab.options({ releaseOnPagehide: false }));
    tab.pagehide(true);
    tab.pageshow(true);
    expect(identity.held).toBe(true);
    expect(origin.locks.isHeld(lockName(identity.id))).toBe(true);
    await expect(adoptIdentity({ ...origin.tab().options(), id: identity.id })).rejects.toMatchObject({
      code: 'HELD',
    });
  });
});
