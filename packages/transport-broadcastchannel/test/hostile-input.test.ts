/**
 * On a BroadcastChannel any same-origin script can post anything, under any name. What the transport
 * can do: check every frame's shape and size before anything else sees it, count what it drops, bound
 * what a flood costs, and hand the node only decoded JSON, which the core validates as a message.
 */
import { InvalidMessageError, RaftInterface, TransportError } from '@webraft/core';
import { afterEach, describe, expect, it } from 'vitest';
import { BroadcastChannelTransport, MAX_TRACKED_PEERS, REPORT_BURST } from '../src/index.js';
import { rawChannel, recorder, until } from './helpers.js';
import { garbageFrames, uniqueCluster } from './pair.js';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const done of cleanup.splice(0)) await done();
});

function opened(cluster: string, address: string) {
  const t = new BroadcastChannelTransport({ cluster });
  const r = recorder(address);
  t.open(r.sink);
  const raw = rawChannel(cluster);
  cleanup.push(
    () => t.close(),
    () => raw.channel.close(),
  );
  return { t, raw, ...r };
}

describe('BroadcastChannelTransport under hostile input', () => {
  it('frames of another cluster, from its own id, or for another node are counted and dropped unread', async () => {
    const cluster = uniqueCluster();
    const { t, raw, got, errors } = opened(cluster, 'a');
    raw.post({ c: 'some-other-cluster', k: 'msg', f: 'b', t: 'a', p: '{"type":"vote"}' });
    raw.post({ c: cluster, k: 'msg', f: 'a', t: 'a', p: '{"n":1}' }); // speaks as a itself
    raw.post({ c: cluster, k: 'hello', f: 'a' });
    raw.post({ c: cluster, k: 'msg', f: 'b', t: 'c', p: 'not json, and not a for a to parse' });
    raw.post({ c: cluster, k: 'msg', f: 'b', t: 'a', p: '{"n":2}' });
    await until(() => got.length === 1, 'the one message for a');
    expect(got).toEqual([{ from: 'b', payload: { n: 2 } }]);
    expect(t.stats).toMatchObject({
      otherCluster: 1,
      fromSelf: 2,
      notForMe: 1,
      undecodable: 0,
      delivered: 1,
    });
    // Frames under its own id are dropped, and reported once (not per frame) as a duplicate id.
    expect(errors.map((e) => e.code)).toEqual(['DUPLICATE_NODE_ID']);
    expect(t.peers).toEqual(['b']);
  });

  it('a flood of garbage is counted; at most REPORT_BURST reports per window; the link keeps working', async () => {
    const cluster = uniqueCluster();
    const { t, raw, got, errors } = opened(cluster, 'a');
    const garbage = garbageFrames(cluster, 'b', 'a');
    const count = 5000;
    for (let i = 0; i < count; i++) raw.post(garbage[i % garbage.length]);
    raw.post({ c: cluster, k: 'msg', f: 'b', t: 'a', p: '{"after":true}' });
    await until(() => got.length === 1, 'the message after the flood');
    expect(t.stats.undecodable).toBe(count);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.length).toBeLessThanOrEqual(REPORT_BURST);
    expect(t.stats.unreported).toBe(count - errors.length);
    expect(errors.every((e) => e instanceof TransportError && e.code === 'UNDECODABLE')).toBe(true);
  });

  it('hellos under ever new ids cannot grow the peer table past MAX_TRACKED_PEERS', async () => {
    const cluster = uniqueCluster();
    const { t, raw } = opened(cluster, 'a');
    const joined: string[] = [];
    t.onPeer((p) => joined.push(p));
    const extra = 50;
    for (let i = 0; i < MAX_TRACKED_PEERS + extra; i++) raw.post({ c: cluster, k: 'hello', f: `fake-${i}` });
    await until(() => t.stats.ignoredPeers === extra, `${extra} ids ignored`);
    expect(joined).toHaveLength(MAX_TRACKED_PEERS);
    expect(t.peers).toHaveLength(MAX_TRACKED_PEERS);
  });

  it('nothing reaches the node unvalidated: spoofed and malformed payloads are refused by the core, which keeps committing', async () => {
    const cluster = uniqueCluster();
    const transport = new BroadcastChannelTransport({ cluster });
    const node = new RaftInterface('a', { peers: ['a'], transport });
    const errors: unknown[] = [];
    node.listen('error', (e) => errors.push(e));
    await node.start();
    cleanup.push(() => node.stop());
    const raw = rawChannel(cluster);
    cleanup.push(() => raw.channel.close());
    await until(() => node.state === 'leader', 'a to lead its one-node cluster');
    const frame = (p: string) => ({ c: cluster, k: 'msg', f: 'b', t: 'a', p });
    raw.post(frame('{"type":"nonsense"}')); // decodes, but is no Raft message
    raw.post(frame('{"type":"appendResponse","from":"c","to":"a","term":1}')); // the envelope says b
    raw.post(frame('[1,2,3]'));
    raw.post(frame('{"type":'));
    await until(() => errors.length === 4, 'four errors');
    expect(errors.filter((e) => e instanceof InvalidMessageError)).toHaveLength(3);
    expect(errors.filter((e) => e instanceof TransportError && e.code === 'UNDECODABLE')).toHaveLength(1);
    expect(String((errors[1] as Error).message)).toMatch(/from must be "b"/);
    expect((await node.propose({ still: 'working' })).index).toBeGreaterThan(0);
    expect(node.state).toBe('leader');
  });
});
