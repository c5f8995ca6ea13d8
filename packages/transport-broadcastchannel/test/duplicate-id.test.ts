/**
 * Two transports with the same node id on one cluster (two tabs opened as the same node) would each
 * take the other's messages and vote under one name. Both must hear of it, as a typed error on the
 * transport's error path, instead of silently mixing.
 */
import { MemoryStorage, RaftInterface, TransportError } from '@webraft/core';
import { afterEach, describe, expect, it } from 'vitest';
import { BroadcastChannelTransport } from '../src/index.js';
import { recorder, until } from './helpers.js';
import { uniqueCluster } from './pair.js';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const done of cleanup.splice(0)) await done();
});

function open(cluster: string, address: string, options: { now?: () => number } = {}) {
  const t = new BroadcastChannelTransport({ cluster, ...options });
  const r = recorder(address);
  t.open(r.sink);
  cleanup.push(() => t.close());
  return { t, ...r };
}

const duplicates = (errors: TransportError[]) => errors.filter((e) => e.code === 'DUPLICATE_NODE_ID');

describe('BroadcastChannelTransport: one node id in two places', () => {
  it('both transports get DUPLICATE_NODE_ID, naming the id; other nodes are unaffected', async () => {
    const cluster = uniqueCluster();
    const first = open(cluster, 'a');
    const other = open(cluster, 'b');
    await until(() => first.t.peers.includes('b'), 'a hears b');
    expect(first.errors).toEqual([]);
    const second = open(cluster, 'a');
    await until(
      () => duplicates(first.errors).length === 1 && duplicates(second.errors).length === 1,
      'both a transports report the duplicate',
    );
    for (const [error, says] of [
      [duplicates(first.errors)[0]!, 'just opened'],
      [duplicates(second.errors)[0]!, 'already has a transport open'],
    ] as const) {
      expect(error).toBeInstanceOf(TransportError);
      expect(error.peer).toBe('a');
      expect(error.message).toContain(says);
      expect(error.message).toContain(`cluster ${JSON.stringify(cluster)}`);
    }
    expect(other.errors).toEqual([]);
  });

  it('reports once per episode, not per frame; again after a presence timeout of silence', async () => {
    const cluster = uniqueCluster();
    let time = 0;
    const now = () => time;
    const first = open(cluster, 'a', { now });
    const second = open(cluster, 'a', { now });
    await until(() => duplicates(first.errors).length === 1, 'the first report');
    // The duplicate keeps talking within the timeout: counted, not reported again. (Its messages go
    // to their addressee's inbox only; those to a reach both inboxes of the id, as any would.)
    for (let i = 0; i < 20; i++) second.t.send('a', { n: i });
    await until(() => first.t.stats.fromSelf >= 21, 'the messages under a are heard');
    expect(duplicates(first.errors)).toHaveLength(1);
    // Silence past the presence timeout, then the id is heard again: a new episode, reported again.
    time += first.t.presenceTimeoutMs + 1;
    second.t.send('a', { n: 'again' });
    await until(() => duplicates(first.errors).length === 2, 'the second report');
  });

  it('a Raft node reports it on its error event', async () => {
    const cluster = uniqueCluster();
    const seen: unknown[] = [];
    const node = new RaftInterface('a', {
      peers: ['a', 'b', 'c'],
      transport: new BroadcastChannelTransport({ cluster }),
      storage: new MemoryStorage(),
      stateMachine: { apply: () => null, snapshot: () => null, restore: () => {} },
    });
    node.listen('error', (error) => void seen.push(error));
    await node.start();
    cleanup.push(() => node.stop());
    open(cluster, 'a');
    await until(
      () => seen.some((e) => e instanceof TransportError && e.code === 'DUPLICATE_NODE_ID'),
      "the node's error event",
    );
  });
});
