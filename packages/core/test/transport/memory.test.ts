import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/errors.js';
import { runTransportTests } from '../../src/testing/transport-conformance.js';
import { MemoryNetwork } from '../../src/transport/memory.js';
import type { MessageSink } from '../../src/transport/types.js';

runTransportTests(
  async () => {
    const network = new MemoryNetwork();
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
  { title: 'MemoryNetwork conformance', quietMs: 0 },
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
function cluster() {
  const network = new MemoryNetwork();
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

describe('MemoryNetwork', () => {
  it('delivers on a later macrotask, batching a turn into one flush', async () => {
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
    const network = new MemoryNetwork();
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
    const network = new MemoryNetwork();
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
    const network = new MemoryNetwork();
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
    const network = new MemoryNetwork();
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
    const network = new MemoryNetwork();
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
