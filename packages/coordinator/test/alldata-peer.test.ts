/**
 * The peer client and server over a webraft transport (the core's MemoryNetwork): acknowledged puts,
 * remote failures, timeouts, peers that go away, hostile frames, and the memory storage's write-once rule.
 */
import { InvalidMessageError, MemoryNetwork } from '@webraft/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AllDataPeer,
  KeyExistsError,
  MemoryAllDataStorage,
  PeerClosedError,
  PeerGoneError,
  PeerTimeoutError,
  RemotePutError,
} from '../src/index.js';

let open: AllDataPeer[] = [];
afterEach(async () => {
  await Promise.all(open.map((peer) => peer.close()));
  open = [];
});

async function peers(network: MemoryNetwork, ...ids: string[]) {
  const out = ids.map((id) => {
    const storage = new MemoryAllDataStorage();
    const peer = new AllDataPeer({ address: id, transport: network.transport(id), storage, timeoutMs: 200 });
    open.push(peer);
    return { peer, storage };
  });
  await Promise.all(out.map(({ peer }) => peer.start()));
  return out;
}

describe('AllDataPeer', () => {
  it('a put is acknowledged once the remote storage has the event', async () => {
    const network = new MemoryNetwork();
    const [a, b] = await peers(network, 'a', 'b');
    await a!.peer.put({ id: 'b' }, 'k1', { n: 1 });
    expect(b!.storage.get('k1')).toEqual({ n: 1 });
    // peer.address wins over peer.id.
    await a!.peer.put({ id: 'whatever', address: 'b' }, 'k2', [2]);
    expect(b!.storage.get('k2')).toEqual([2]);
    expect(a!.peer.stats).toMatchObject({ sent: 2, acknowledged: 2, failed: 0 });
  });

  it('a _put listener on the server side replaces the storage (the seed peer server)', async () => {
    const network = new MemoryNetwork();
    const [a, b] = await peers(network, 'a', 'b');
    const seen: string[] = [];
    b!.peer.on('_put', (key, _event, callback) => {
      seen.push(key);
      callback(key === 'bad' ? Object.assign(new Error('disk full'), { code: 'QUOTA' }) : undefined);
    });
    await a!.peer.put({ id: 'b' }, 'good', {});
    const error = await a!.peer.put({ id: 'b' }, 'bad', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemotePutError);
    expect(error).toMatchObject({ peer: 'b', remoteCode: 'QUOTA', code: 'REMOTE_PUT_FAILED' });
    expect(seen).toEqual(['good', 'bad']);
    expect(b!.storage.size).toBe(0);
  });

  it('write-once: the same event again succeeds, another event under the key fails remotely with KEY_EXISTS', async () => {
    const network = new MemoryNetwork();
    const [a, b] = await peers(network, 'a', 'b');
    await a!.peer.put({ id: 'b' }, 'k', { v: 1 });
    await a!.peer.put({ id: 'b' }, 'k', { v: 1 });
    await expect(a!.peer.put({ id: 'b' }, 'k', { v: 2 })).rejects.toMatchObject({ remoteCode: 'KEY_EXISTS' });
    expect(b!.storage.get('k')).toEqual({ v: 1 });
    const local = new MemoryAllDataStorage();
    const errors: unknown[] = [];
    local.put('x', 1, (e) => errors.push(e));
    local.put('x', 2, (e) => errors.push(e));
    expect(errors[0]).toBeUndefined();
    expect(errors[1]).toBeInstanceOf(KeyExistsError);
  });

  it('an unreachable peer times out with PeerTimeoutError; a closed one fails at once with PeerGoneError', async () => {
    const network = new MemoryNetwork();
    const [a, b, c] = await peers(network, 'a', 'b', 'c');
    network.isolate('b');
    await expect(a!.peer.put({ id: 'b' }, 'k', {})).rejects.toBeInstanceOf(PeerTimeoutError);
    const inFlight = a!.peer.put({ id: 'c' }, 'k', {});
    await c!.peer.close();
    await expect(inFlight).rejects.toBeInstanceOf(PeerGoneError);
    // Known gone: the next put fails at once instead of waiting for the timeout; back again, it goes through.
    await expect(a!.peer.put({ id: 'c' }, 'k2', {})).rejects.toBeInstanceOf(PeerGoneError);
    expect(a!.peer.stats.timedOut).toBe(1);
    const again = new AllDataPeer({ address: 'c', transport: network.transport('c'), storage: c!.storage });
    open.push(again);
    await again.start();
    await network.flushed();
    await a!.peer.put({ id: 'c' }, 'k3', {});
    expect(c!.storage.keys()).toEqual(['k3']);
    expect(a!.peer.stats.timedOut).toBe(1);
    expect(b!.storage.size).toBe(0);
  });

  it('on a transport that cannot report a peer back (no onPeer), a gone peer is not remembered as gone', async () => {
    const network = new MemoryNetwork();
    const { onPeer: _left, ...withoutOnPeer } = network.transport('a');
    const a = new AllDataPeer({ address: 'a', transport: withoutOnPeer, timeoutMs: 200 });
    open.push(a);
    await a.start();
    const [c] = await peers(network, 'c');
    const inFlight = a.put({ id: 'c' }, 'k', {});
    await c!.peer.close();
    await expect(inFlight).rejects.toBeInstanceOf(PeerGoneError);
    // Back on a new transport without a word to `a`: the next put is sent (not refused) and goes through.
    const again = new AllDataPeer({ address: 'c', transport: network.transport('c'), storage: c!.storage });
    open.push(again);
    await again.start();
    await a.put({ id: 'c' }, 'k2', {});
    expect(c!.storage.keys()).toEqual(['k2']);
  });

  it('hostile frames are reported as InvalidMessageError and the peer goes on serving', async () => {
    const network = new MemoryNetwork();
    const [a, b] = await peers(network, 'a', 'b');
    const errors: unknown[] = [];
    b!.peer.on('error', (error) => errors.push(error));
    const raw = network.transport('evil');
    raw.open({ address: 'evil', gotData: () => undefined });
    const wire = raw.createInstance('b');
    for (const frame of [
      null,
      'text',
      { t: 'alldata.put', id: -1 },
      { t: 'alldata.put', id: 1, key: '' },
      { t: 'alldata.put', id: 1, key: 'x'.repeat(2000), event: 1 },
      { t: 'alldata.put', id: 2, key: 'k' },
      { t: 'nope', id: 3 },
      { t: 'alldata.ack', id: 4, ok: 'yes' },
    ])
      wire.write(frame);
    await network.flushed();
    expect(errors).toHaveLength(8);
    expect(errors.every((e) => e instanceof InvalidMessageError)).toBe(true);
    // A forged ack from another node does not settle a's put to b.
    network.isolate('b');
    const pending = a!.peer.put({ id: 'b' }, 'k', {});
    raw.createInstance('a').write({ t: 'alldata.ack', id: 1, ok: true });
    await expect(pending).rejects.toBeInstanceOf(PeerTimeoutError);
    network.heal();
    await a!.peer.put({ id: 'b' }, 'after', 1);
    expect(b!.storage.keys()).toEqual(['after']);
    raw.close();
  });

  it('an event JSON cannot encode fails that put only; a closed client refuses with PeerClosedError', async () => {
    const network = new MemoryNetwork();
    const [a] = await peers(network, 'a', 'b');
    const cyclic: { self?: unknown } = {};
    cyclic.self = cyclic;
    await expect(a!.peer.put({ id: 'b' }, 'k', cyclic)).rejects.toBeInstanceOf(TypeError);
    await a!.peer.close();
    await expect(a!.peer.put({ id: 'b' }, 'k', {})).rejects.toBeInstanceOf(PeerClosedError);
  });
});
