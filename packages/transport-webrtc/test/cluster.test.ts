import wrtc from '@roamhq/wrtc';
import { RaftInterface } from '@webraft/core';
import { waitFor } from '@webraft/core/testing';
import { startRelayServer } from '@webraft/server';
import { expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { RelaySignaling, WebRtcTransport } from '../src/index.js';

// Node members (as a server-side voter would be): a Raft cluster over simple-peer and @roamhq/wrtc.
it('a 3-node Raft cluster in Node commits over data channels, and on after the relay stops', async () => {
  const relay = await startRelayServer({ port: 0 });
  const ids = ['n1', 'n2', 'n3'];
  const applied = new Map(ids.map((id) => [id, [] as unknown[]]));
  const transports = ids.map(
    () =>
      new WebRtcTransport({
        signaling: new RelaySignaling({ url: relay.url, WebSocket }),
        room: 'node-cluster',
        wrtc,
      }),
  );
  const nodes = ids.map(
    (id, i) =>
      new RaftInterface(id, {
        peers: ids,
        transport: transports[i]!,
        stateMachine: {
          apply: (command) => applied.get(id)!.push(command),
          snapshot: () => applied.get(id),
          restore: (s) => applied.set(id, [...(s as unknown[])]),
        },
      }),
  );
  try {
    await Promise.all(nodes.map((n) => n.start()));
    await waitFor(() => transports.every((t) => t.directPeers.length === 2), 10_000, 'a full mesh');
    for (let i = 0; i < 20; i++) await nodes[i % 3]!.propose({ i }, { timeoutMs: 10_000 });
    await relay.close();
    const relayed = transports.map((t) => t.stats.relayed);
    for (let i = 20; i < 40; i++) await nodes[i % 3]!.propose({ i }, { timeoutMs: 10_000 });
    await waitFor(() => ids.every((id) => applied.get(id)!.length >= 40), 10_000, 'every entry everywhere');
    for (const id of ids)
      expect(applied.get(id)!.map((c) => (c as { i: number }).i)).toEqual([...Array(40).keys()]);
    expect(transports.map((t) => t.stats.relayed)).toEqual(relayed);
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
    await relay.close();
  }
});
