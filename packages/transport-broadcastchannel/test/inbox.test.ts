import { afterEach, describe, expect, it } from 'vitest';
import {
  type BroadcastChannelConstructor,
  type BroadcastChannelLike,
  BroadcastChannelTransport,
  inboxName,
  MAX_OUTBOXES,
} from '../src/index.js';
import { Channel, rawChannel, recorder, until } from './helpers.js';
import { uniqueCluster } from './pair.js';

const opened: { close(): void }[] = [];
afterEach(() => {
  for (const t of opened.splice(0)) t.close();
});

function transport(cluster: string, address: string, Counted?: BroadcastChannelConstructor) {
  const t = new BroadcastChannelTransport({ cluster, BroadcastChannel: Counted });
  const r = recorder(address);
  t.open(r.sink);
  opened.push(t);
  return { t, ...r };
}

describe('BroadcastChannelTransport inboxes', () => {
  it("a message reaches its addressee's inbox only: the other tabs and the cluster's channel never see it", async () => {
    const cluster = uniqueCluster();
    const wire = rawChannel(cluster);
    const a = transport(cluster, 'a');
    const b = transport(cluster, 'b');
    const c = transport(cluster, 'c');
    for (let i = 0; i < 50; i++) a.t.send('b', { n: i });
    await until(() => b.got.length === 50, 'b to get every message');
    expect(b.got.map((m) => m.payload)).toEqual(Array.from({ length: 50 }, (_, n) => ({ n })));
    // `bye` follows the messages from the same transport: once the wire hears it, it has heard
    // everything a posted on the cluster's channel.
    a.t.close();
    await until(() => wire.heard.some((f) => (f as { k?: string }).k === 'bye'), "a's goodbye");
    expect(wire.heard.filter((f) => (f as { k?: string }).k === 'msg')).toEqual([]);
    expect(c.t.stats.notForMe).toBe(0);
    expect(c.got).toEqual([]);
    wire.channel.close();
  });

  it("still takes messages posted on the cluster's channel (as earlier versions of this transport sent them)", async () => {
    const cluster = uniqueCluster();
    const wire = rawChannel(cluster);
    const b = transport(cluster, 'b');
    wire.post({ c: cluster, k: 'msg', f: 'old', t: 'b', p: '{"n":1}' });
    await until(() => b.got.length === 1, 'b to get it');
    expect(b.got).toEqual([{ from: 'old', payload: { n: 1 } }]);
    wire.channel.close();
  });

  it('names inboxes so that no cluster and id pair names another pair', () => {
    expect(inboxName('x:y', 'z')).not.toBe(inboxName('x', 'y:z'));
    expect(inboxName('x', 'y')).toBe(inboxName('x', 'y'));
  });

  it('keeps at most MAX_OUTBOXES channels to addressees open, and closes every channel on close()', async () => {
    const open = new Set<BroadcastChannelLike>();
    class Counted extends (Channel as unknown as new (name: string) => BroadcastChannelLike & object) {
      constructor(name: string) {
        super(name);
        open.add(this);
      }
      override close(): void {
        open.delete(this);
        super.close();
      }
    }
    const cluster = uniqueCluster();
    const a = transport(cluster, 'a', Counted as unknown as BroadcastChannelConstructor);
    const b = transport(cluster, 'b');
    for (let i = 0; i < MAX_OUTBOXES * 2; i++) a.t.send(`peer-${i}`, { i });
    a.t.send('b', { last: true });
    // The cluster's channel, the inbox, and the outboxes up to the bound.
    expect(open.size).toBe(2 + MAX_OUTBOXES);
    await until(() => b.got.length === 1, 'b to get the message sent after the evictions');
    a.t.close();
    expect(open.size).toBe(0);
  });
});
