import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/errors.js';
import { runTransportTests } from '../../src/testing/transport-conformance.js';
import { type MemoryDelivery, MemoryNetwork } from '../../src/transport/memory.js';
import type { MessageSink } from '../../src/transport/types.js';

const MODES: MemoryDelivery[] = ['batched', 'per-message'];

for (const delivery of MODES)
  runTransportTests(
    async () => {
      const network = new MemoryNetwork({ delivery });
      const transports = [network.transport('a'), network.transport('b')];
      return {
        a: transports[0]!,
        b: transports[1]!,
        aAddress: 'a',
        bAddress: 'b',
        reopenB: async () => {
          const b = network.transport('b');
          transports.push(b);
          return b;
        },
        settle: () => network.flushed(),
        close: async () => {
          for (const t of transports) t.close();
        },
      };
    },
    { describe, it },
    { title: `MemoryNetwork conformance (${delivery})`, quietMs: 0 },
  );

/** A sink recording `from:payload.n`. */
function sink(address: string): MessageSink & { got: string[] } {
  const got: string[] = [];
  return {
    address,
    got,
    gotData: (from, payload) => void got.push(`${from}:${(payload as { n: number }).n}`),
  };
}

/** Three open nodes, each with an instance for every other. */
function clusterOf(delivery: MemoryDelivery = 'batched') {
  const network = new MemoryNetwork({ delivery });
  const names = ['a', 'b', 'c'] as const;
  const sinks = Object.fromEntries(names.map((n) => [n, sink(n)])) as Record<
    (typeof names)[number],
    ReturnType<typeof sink>
  >;
  const instances: Record<string, { write(p: unknown): void }> = {};
  const send = (from: (typeof names)[number], to: string, n: number) =>
    instances[`${from}${to}`]!.write({ n });
  for (const from of names) {
    const t = network.transport(from);
    t.open(sinks[from]);
    for (const to of names) if (to !== from) instances[`${from}${to}`] = t.createInstance(to);
  }
  return { network, sinks, send };
}

describe.each(MODES)('MemoryNetwork (%s)', (delivery) => {
  const cluster = () => clusterOf(delivery);
  const newNetwork = () => new MemoryNetwork({ delivery });

  it('delivers on a later macrotask, in order', async () => {
    const { network, sinks, send } = cluster();
    send('a', 'b', 1);
    send('c', 'b', 2);
    await Promise.resolve();
    await new Promise<void>((r) => queueMicrotask(r));
    expect(sinks.b.got).toEqual([]); // not in a microtask
    await network.flushed();
    expect(sinks.b.got).toEqual(['a:1', 'c:2']);
    expect(network.stats).toMatchObject({ sent: 2, delivered: 2, dropped: 0 });
  });

  it('replies written during a flush go out on a later flush', async () => {
    const network = newNetwork();
    const log: string[] = [];
    const a = network.transport('a');
    const b = network.transport('b');
    const aSink: MessageSink = {
      address: 'a',
      gotData: (_f, p) => void log.push(`a got ${(p as { n: number }).n}`),
    };
    let toA: { write(p: unknown): void } | undefined;
    const bSink: MessageSink = {
      address: 'b',
      gotData: (_f, p) => {
        log.push(`b got ${(p as { n: number }).n}`);
        toA?.write({ n: (p as { n: number }).n + 1 });
      },
    };
    a.open(aSink);
    b.open(bSink);
    toA = b.createInstance('a');
    a.createInstance('b').write({ n: 1 });
    await network.flushed();
    expect(log).toEqual(['b got 1']);
    await network.flushed();
    expect(log).toEqual(['b got 1', 'a got 2']);
  });

  it('disconnect, one-way disconnect, connect', async () => {
    const { network, sinks, send } = cluster();
    network.disconnect('a', 'b');
    send('a', 'b', 1);
    send('b', 'a', 2);
    send('a', 'c', 3);
    await network.flushed();
    expect([sinks.a.got, sinks.b.got, sinks.c.got]).toEqual([[], [], ['a:3']]);
    network.connect('a', 'b');
    network.disconnect('a', 'b', { oneWay: true });
    expect([network.canReach('a', 'b'), network.canReach('b', 'a')]).toEqual([false, true]);
    send('a', 'b', 4);
    send('b', 'a', 5);
    await network.flushed();
    expect([sinks.a.got, sinks.b.got]).toEqual([['b:5'], []]);
    expect(network.stats.dropped).toBe(3);
  });

  it('a cut drops messages already queued', async () => {
    const { network, sinks, send } = cluster();
    send('a', 'b', 1);
    network.disconnect('b', 'a');
    await network.flushed();
    expect(sinks.b.got).toEqual([]);
  });

  it('isolate cuts an address off until heal', async () => {
    const { network, sinks, send } = cluster();
    network.isolate('c');
    network.connect('c', 'a'); // does not lift an isolation
    send('a', 'c', 1);
    send('c', 'b', 2);
    send('a', 'b', 3);
    await network.flushed();
    expect([sinks.b.got, sinks.c.got]).toEqual([['a:3'], []]);
    network.heal();
    send('a', 'c', 4);
    send('c', 'b', 5);
    await network.flushed();
    expect([sinks.b.got, sinks.c.got]).toEqual([['a:3', 'c:5'], ['a:4']]);
  });

  it('reports peers as they open; a new transport for an address takes it over', async () => {
    const network = newNetwork();
    const seen: string[] = [];
    network.onPeer((address) => seen.push(address));
    const a = network.transport('a');
    const aPeers: string[] = [];
    a.onPeer((address) => aPeers.push(address));
    const b1 = network.transport('b');
    b1.open(sink('b'));
    a.open(sink('a'));
    const bSink = sink('b');
    network.transport('b').open(bSink); // takes over from b1
    await network.flushed();
    expect(seen).toEqual(['b', 'a', 'b']);
    expect(aPeers).toEqual(['b', 'b']);
    expect(network.addresses.sort()).toEqual(['a', 'b']);
    a.createInstance('b').write({ n: 7 });
    await network.flushed();
    expect(bSink.got).toEqual(['a:7']);
  });

  it('rejects a sink for another address; throws TypeError for non-JSON payloads', () => {
    const network = newNetwork();
    const t = network.transport('a');
    expect(() => t.open(sink('x'))).toThrow(ConfigurationError);
    expect(() => t.createInstance('nobody')).toThrow(/open\(\) the transport/);
    t.open(sink('a'));
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const to = t.createInstance('nobody');
    expect(() => to.write(cyclic)).toThrow(TypeError);
    expect(() => to.write(undefined)).toThrow(/not JSON-serializable/);
    expect(() => to.write({ n: 1 })).not.toThrow();
  });

  it('a throwing receiver does not stop the rest of the flush', async () => {
    const network = newNetwork();
    const errors: unknown[] = [];
    network.onError = (error) => errors.push(error);
    const good = sink('b');
    network.transport('a').open({
      address: 'a',
      gotData: () => {
        throw new Error('boom');
      },
    });
    network.transport('b').open(good);
    const c = network.transport('c');
    c.open(sink('c'));
    c.createInstance('a').write({ n: 1 });
    c.createInstance('b').write({ n: 2 });
    await network.flushed();
    expect(good.got).toEqual(['c:2']);
    expect(errors).toHaveLength(1);
  });

  it('reports a closed transport as gone to the others (onPeerGone), once', async () => {
    const network = newNetwork();
    const a = network.transport('a');
    const b = network.transport('b');
    a.open(sink('a'));
    b.open(sink('b'));
    const gone: string[] = [];
    a.onPeerGone((address) => gone.push(address));
    b.close();
    b.close();
    await network.flushed();
    expect(gone).toEqual(['b']);
  });
});

/** Opens a and b on `network`; b hands each `{ n }` it gets to `onMessage`. Returns a's instance for b. */
function linkToB(network: MemoryNetwork, onMessage: (n: number) => void) {
  const a = network.transport('a');
  a.open(sink('a'));
  network.transport('b').open({
    address: 'b',
    gotData: (_from, payload) => onMessage((payload as { n: number }).n),
  });
  return a.createInstance('b');
}

describe('MemoryNetwork delivery modes', () => {
  /** b's log when a sends it two messages in one turn and b queues promise work on each. */
  async function interleaving(delivery: MemoryDelivery): Promise<string[]> {
    const network = new MemoryNetwork({ delivery });
    const log: string[] = [];
    const toB = linkToB(network, (n) => {
      log.push(`got ${n}`);
      void Promise.resolve().then(() => log.push(`promise work after ${n}`));
    });
    toB.write({ n: 1 });
    toB.write({ n: 2 });
    await network.flushed();
    await Promise.resolve();
    return log;
  }

  it.each([
    [
      'batched',
      'one task delivers the turn, promise work runs after all of it',
      ['got 1', 'got 2', 'promise work after 1', 'promise work after 2'],
    ],
    [
      'per-message',
      'each message is a task of its own, promise work runs between two',
      ['got 1', 'promise work after 1', 'got 2', 'promise work after 2'],
    ],
  ] as const)('%s: %s', async (delivery, _what, expected) => {
    expect(await interleaving(delivery)).toEqual(expected);
  });

  it('per-message: FIFO per link across many links and turns, replies included', async () => {
    const { network, sinks, send } = clusterOf('per-message');
    for (let n = 0; n < 3000; n++) {
      send('a', 'b', n);
      send('c', 'b', n);
      send('b', 'a', n);
      if (n % 500 === 0) await Promise.resolve();
    }
    await network.flushed();
    const fromA = sinks.b.got.filter((g) => g.startsWith('a:')).map((g) => Number(g.slice(2)));
    const fromC = sinks.b.got.filter((g) => g.startsWith('c:')).map((g) => Number(g.slice(2)));
    const atA = sinks.a.got.map((g) => Number(g.slice(2)));
    const upTo = Array.from({ length: 3000 }, (_, i) => i);
    expect([fromA, fromC, atA]).toEqual([upTo, upTo, upTo]);
    // Globally FIFO too: the two senders to b alternate as they were written.
    expect(sinks.b.got.slice(0, 4)).toEqual(['a:0', 'c:0', 'a:1', 'c:1']);
    expect(network.stats).toMatchObject({ sent: 9000, delivered: 9000, dropped: 0 });
  });

  it('per-message: a link cut between two deliveries drops the messages still queued on it', async () => {
    const network = new MemoryNetwork({ delivery: 'per-message' });
    const got: number[] = [];
    const toB = linkToB(network, (n) => {
      got.push(n);
      if (n === 2) network.disconnect('a', 'b');
    });
    for (let n = 1; n <= 4; n++) toB.write({ n });
    await network.flushed();
    expect(got).toEqual([1, 2]);
    expect(network.stats).toMatchObject({ sent: 4, delivered: 2, dropped: 2 });
  });

  it('per-message: flushed() waits for what was written before it, not for later replies', async () => {
    const network = new MemoryNetwork({ delivery: 'per-message' });
    const log: string[] = [];
    let toA: { write(p: unknown): void } | undefined;
    const a = network.transport('a');
    const b = network.transport('b');
    a.open({
      address: 'a',
      gotData: (_f, p) => void log.push(`a got ${(p as { n: number }).n}`),
    });
    b.open({
      address: 'b',
      gotData: (_f, p) => {
        const n = (p as { n: number }).n;
        log.push(`b got ${n}`);
        toA?.write({ n: n + 10 });
      },
    });
    toA = b.createInstance('a');
    await expect(network.flushed()).resolves.toBeUndefined(); // the peer notifications
    const toB = a.createInstance('b');
    toB.write({ n: 1 });
    toB.write({ n: 2 });
    const first = network.flushed();
    toB.write({ n: 3 });
    await first;
    expect(log).toEqual(['b got 1', 'b got 2']);
    await network.flushed();
    // FIFO: 3 was queued before the replies to 1 and 2; the reply to 3 came after this call.
    expect(log).toEqual(['b got 1', 'b got 2', 'b got 3', 'a got 11', 'a got 12']);
    await network.flushed();
    expect(log.at(-1)).toBe('a got 13');
  });

  it('rejects an unknown delivery mode', () => {
    expect(() => new MemoryNetwork({ delivery: 'bulk' as MemoryDelivery })).toThrow(ConfigurationError);
  });
});
