import { afterEach, describe, expect, it } from 'vitest';
import { BroadcastChannelTransport, channelName } from '../src/index.js';
import { Channel, rawChannel, recorder, until } from './helpers.js';
import { uniqueCluster } from './pair.js';

const opened: { close(): void }[] = [];
afterEach(() => {
  for (const t of opened.splice(0)) t.close();
});

function transport(
  cluster: string,
  address: string,
  options: { presenceIntervalMs?: number; presenceTimeoutMs?: number } = {},
) {
  const t = new BroadcastChannelTransport({ cluster, ...options });
  const joined: string[] = [];
  const gone: string[] = [];
  t.onPeer((a) => joined.push(a));
  t.onPeerGone((a) => gone.push(a));
  const r = recorder(address);
  t.open(r.sink);
  opened.push(t);
  return { t, joined, gone, ...r };
}

describe('BroadcastChannelTransport discovery', () => {
  it('hello on open: a newcomer and those already there find each other at once, and no one reports itself', async () => {
    const cluster = uniqueCluster();
    // A presence interval far longer than the test: only hello and its answers can do this.
    const slow = { presenceIntervalMs: 60_000, presenceTimeoutMs: 120_000 };
    const a = transport(cluster, 'a', slow);
    const b = transport(cluster, 'b', slow);
    const c = transport(cluster, 'c', slow);
    await until(
      () => a.joined.length === 2 && b.joined.length === 2 && c.joined.length === 2,
      'every node to discover the two others',
    );
    expect([a.joined.sort(), b.joined.sort(), c.joined.sort()]).toEqual([
      ['b', 'c'],
      ['a', 'c'],
      ['a', 'b'],
    ]);
    expect(a.t.peers.sort()).toEqual(['b', 'c']);
  });

  it('a late onPeer subscriber hears of the peers already known', async () => {
    const cluster = uniqueCluster();
    const a = transport(cluster, 'a');
    transport(cluster, 'b');
    await until(() => a.joined.includes('b'), 'a to discover b');
    const late: string[] = [];
    a.t.onPeer((p) => late.push(p));
    await until(() => late.includes('b'), 'the late subscriber to hear of b');
  });

  it('goodbye on close: peers report it gone at once, not after the presence timeout', async () => {
    const cluster = uniqueCluster();
    const slow = { presenceIntervalMs: 60_000, presenceTimeoutMs: 120_000 };
    const a = transport(cluster, 'a', slow);
    const b = transport(cluster, 'b', slow);
    await until(() => a.joined.includes('b'), 'a to discover b');
    b.t.close();
    await until(() => a.gone.includes('b'), 'a to hear b is gone');
    expect(a.t.peers).toEqual([]);
  });

  it('a peer that goes silent is reported gone after the presence timeout; one that keeps beaconing is not', async () => {
    const cluster = uniqueCluster();
    // Short enough for a quick test, long enough that a test process stalled by a loaded machine
    // does not miss its own beacons (70 ms did, on CI machines shared with other jobs).
    const fast = { presenceIntervalMs: 50, presenceTimeoutMs: 400 };
    const a = transport(cluster, 'a', fast);
    transport(cluster, 'live', fast);
    const ghost = rawChannel(cluster);
    // A tab that said hello and then vanished without a goodbye (crashed, or frozen).
    ghost.post({ c: cluster, k: 'hello', f: 'ghost' });
    await until(() => a.joined.includes('ghost') && a.joined.includes('live'), 'a to discover both');
    await until(() => a.gone.includes('ghost'), 'a to report the silent ghost gone');
    // Many timeouts later the beaconing peer is still there.
    const beacons = ghost.heard.length;
    await until(() => ghost.heard.length >= beacons + 20, '20 more beacons on the channel');
    expect(a.gone).toEqual(['ghost']);
    expect(a.t.peers).toEqual(['live']);
    ghost.channel.close();
  });

  it('any frame from a peer counts as presence (a throttled tab whose replies still flow is not timed out)', async () => {
    const cluster = uniqueCluster();
    const presenceTimeoutMs = 400; // see the test above
    const a = transport(cluster, 'a', { presenceIntervalMs: 50, presenceTimeoutMs });
    const busy = rawChannel(cluster);
    // `busy` never beacons, but keeps sending messages (to someone else: a still hears them).
    let sent = 0;
    const send = () => busy.post({ c: cluster, k: 'msg', f: 'busy', t: 'b', p: `{"n":${sent++}}` });
    send();
    await until(() => a.joined.includes('busy'), 'a to discover busy');
    const start = Date.now();
    await until(() => {
      send();
      return Date.now() - start >= 4 * presenceTimeoutMs;
    }, 'busy to send messages for four presence timeouts');
    await until(() => a.t.stats.notForMe === sent, 'a to have heard every message');
    expect(a.gone).toEqual([]);
    busy.channel.close();
  });

  it('comes back: a peer reported gone is reported by onPeer again when it reopens', async () => {
    const cluster = uniqueCluster();
    const a = transport(cluster, 'a');
    const b = transport(cluster, 'b');
    await until(() => a.joined.includes('b'), 'a to discover b');
    b.t.close();
    await until(() => a.gone.includes('b'), 'b gone');
    transport(cluster, 'b');
    await until(() => a.joined.filter((p) => p === 'b').length === 2, 'b reported again');
  });

  it('separate clusters use separate channels and never hear each other', async () => {
    const one = transport(uniqueCluster('one'), 'a');
    const two = transport(uniqueCluster('two'), 'b');
    const bridge = transport(one.t.cluster, 'c');
    await until(() => one.joined.includes('c'), 'a to discover c of its own cluster');
    one.t.createInstance('b').write({ n: 1 });
    bridge.t.createInstance('a').write({ n: 2 });
    await until(() => one.got.length === 1, 'a to get c’s message');
    expect(two.joined).toEqual([]);
    expect(two.got).toEqual([]);
    expect(channelName('x')).toBe('webraft:x');
  });

  it('checks its options with ConfigurationError', () => {
    expect(() => new BroadcastChannelTransport({ cluster: '' })).toThrow(/cluster must be/);
    expect(() => new BroadcastChannelTransport({ cluster: 'x'.repeat(257) })).toThrow(/cluster must be/);
    expect(() => new BroadcastChannelTransport(null as never)).toThrow(/needs options/);
    expect(() => new BroadcastChannelTransport({ cluster: 'x', maxMessageChars: 0 })).toThrow(
      /maxMessageChars/,
    );
    expect(() => new BroadcastChannelTransport({ cluster: 'x', presenceIntervalMs: 1.5 })).toThrow(
      /presenceIntervalMs/,
    );
    expect(
      () => new BroadcastChannelTransport({ cluster: 'x', presenceIntervalMs: 100, presenceTimeoutMs: 100 }),
    ).toThrow(/longer than/);
    expect(() => new BroadcastChannelTransport({ cluster: 'x', BroadcastChannel: 1 as never })).toThrow(
      /not available/,
    );
    const t = new BroadcastChannelTransport({ cluster: uniqueCluster(), BroadcastChannel: Channel });
    expect(() => t.createInstance('b')).toThrow(/open\(\) the transport first/);
    expect(() => t.open(recorder('').sink)).toThrow(/address must be/);
    t.open(recorder('a').sink);
    expect(() => t.open(recorder('a').sink)).toThrow(/already called/);
    t.close();
    expect(() => t.open(recorder('a').sink)).toThrow(/closed/);
  });
});
