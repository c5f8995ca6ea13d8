import { MemoryNetwork, type MessageSink } from '@webraft/core';
import { describe, expect, it } from 'vitest';
import { PartitionableTransport } from '../src/partition.js';

/** A sink that keeps what it receives, and tells when a given payload arrived. */
function sink(address: string) {
  const got: unknown[] = [];
  const waiting = new Map<string, () => void>();
  const node: MessageSink = {
    address,
    gotData: (_from, payload) => {
      got.push(payload);
      waiting.get(JSON.stringify(payload))?.();
    },
  };
  const arrival = (payload: unknown) =>
    new Promise<void>((resolve) => waiting.set(JSON.stringify(payload), resolve));
  return { node, got, arrival };
}

describe('PartitionableTransport', () => {
  it('drops the node’s traffic both ways while partitioned, and lets it through again when healed', async () => {
    // One MemoryNetwork delivers in the order things were written: a marker written after the
    // dropped messages arrives after them, had they not been dropped.
    const network = new MemoryNetwork();
    const a = new PartitionableTransport(network.transport('a'));
    const b = new PartitionableTransport(network.transport('b'));
    const c = network.transport('c');
    const [atA, atB, atC] = [sink('a'), sink('b'), sink('c')];
    await a.open(atA.node);
    await b.open(atB.node);
    await c.open(atC.node);
    const [aToB, bToA] = [a.createInstance('b'), b.createInstance('a')];
    const [cToA, cToB] = [c.createInstance('a'), c.createInstance('b')];

    const first = atB.arrival({ n: 1 });
    aToB.write({ n: 1 });
    await first;

    a.partitioned = true;
    aToB.write({ n: 2 }); // out of a: dropped
    bToA.write({ n: 3 }); // into a: dropped
    const markers = Promise.all([atB.arrival({ marker: 1 })]);
    cToB.write({ marker: 1 });
    cToA.write({ marker: 1 }); // dropped too: a hears nobody
    await markers;
    expect(atB.got).toEqual([{ n: 1 }, { marker: 1 }]);

    a.partitioned = false;
    const healed = Promise.all([atB.arrival({ n: 4 }), atA.arrival({ n: 5 }), atA.arrival({ marker: 2 })]);
    aToB.write({ n: 4 });
    bToA.write({ n: 5 });
    cToA.write({ marker: 2 });
    await healed;
    expect(atB.got).toEqual([{ n: 1 }, { marker: 1 }, { n: 4 }]);
    expect(atA.got).toEqual([{ n: 5 }, { marker: 2 }]);
    await Promise.all([a.close(), b.close(), c.close()]);
  });

  it('passes presence through: peers come and go as the transport below says', async () => {
    const network = new MemoryNetwork();
    const a = new PartitionableTransport(network.transport('a'));
    const seen: string[] = [];
    const heard = (sign: string, resolve: () => void) => (peer: string) => {
      seen.push(`${sign}${peer}`);
      resolve();
    };
    const came = new Promise<void>((resolve) => a.onPeer?.(heard('+', resolve)));
    const went = new Promise<void>((resolve) => a.onPeerGone?.(heard('-', resolve)));
    a.partitioned = true;
    await a.open(sink('a').node);
    const b = network.transport('b');
    await b.open(sink('b').node);
    await came;
    await b.close();
    await went;
    expect(seen).toEqual(['+b', '-b']);
  });
});
