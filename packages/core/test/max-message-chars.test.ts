/**
 * The runtime sizes what it sends to the transport's declared `maxMessageChars` (transport/types.ts):
 * appends, snapshot chunks and the largest command. A 3-node cluster on MemoryNetwork, each transport
 * declaring a small maximum and measuring every message it is given.
 */
import { describe, expect, it } from 'vitest';
import { RaftInterface } from '../src/api/raft-interface.js';
import { ProposalRefusedError } from '../src/errors.js';
import type { Message } from '../src/protocol/types.js';
import { DEFAULT_MESSAGE_LIMITS } from '../src/protocol/validate.js';
import { waitFor } from '../src/testing/assert.js';
import { RecordingStateMachine } from '../src/testing/sim/recording-state-machine.js';
import { MemoryNetwork } from '../src/transport/memory.js';
import type { NodeInstance, Transport } from '../src/transport/types.js';

const MAX = 8192;
/** What fitToTransport leaves for an entry's data or a chunk (raft-interface.ts: MESSAGE_ENVELOPE_CHARS). */
const ROOM = MAX - 2048;

/** A MemoryNetwork transport declaring `MAX`, recording the JSON size of every message written. */
function limited(
  network: MemoryNetwork,
  address: string,
  sizes: { type: string; chars: number; entries: number }[],
) {
  const inner = network.transport(address);
  const transport: Transport = {
    maxMessageChars: MAX,
    open: (sink) => inner.open(sink),
    close: () => inner.close(),
    createInstance(to: string): NodeInstance {
      const instance = inner.createInstance(to);
      const write = instance.write.bind(instance);
      instance.write = (payload: unknown) => {
        const m = payload as Message & { entries?: unknown[] };
        sizes.push({ type: m.type, chars: JSON.stringify(payload).length, entries: m.entries?.length ?? 0 });
        write(payload);
      };
      return instance;
    },
  };
  return transport;
}

/**
 * A command whose JSON is about `chars` long, its id full of quotes and backslashes: the snapshot (the
 * list of applied ids, RecordingStateMachine) is then JSON that needs escaping again in a chunk.
 */
const command = (n: number, chars: number) => ({ id: `${n}:${'"\\'.repeat(Math.ceil(chars / 4))}` });

describe('the runtime respects the transport maxMessageChars', () => {
  it('appends and snapshot chunks fit; a command above the room is refused TOO_LARGE', async () => {
    const network = new MemoryNetwork();
    const ids = ['a', 'b', 'c'];
    const sizes: { type: string; chars: number; entries: number }[] = [];
    const machines = ids.map(() => new RecordingStateMachine(() => {}));
    const nodes = ids.map(
      (id, i) =>
        new RaftInterface(id, {
          peers: ids,
          transport: limited(network, id, sizes),
          stateMachine: machines[i]!,
          snapshotThreshold: 20,
          snapshotTrailingEntries: 2,
        }),
    );
    try {
      await Promise.all(nodes.map((n) => n.start()));
      await waitFor(() => nodes.some((n) => n.state === 'leader'), 5000, 'a leader');
      const leader = nodes.find((n) => n.state === 'leader')!;
      const lagging = nodes.find((n) => n !== leader)!;
      network.isolate(lagging.address);

      // Commands of an eighth of a message, proposed together: appends carry several each.
      const results = await Promise.all(
        Array.from({ length: 60 }, (_, n) => leader.propose(command(n, 1000))),
      );
      expect(results).toHaveLength(60);

      // Refused at once, whatever its escapes: the command's JSON is longer than the room left.
      const tooLarge = { id: 'x'.repeat(ROOM) };
      const refusal = await leader.propose(tooLarge).catch((e: unknown) => e);
      expect(refusal).toBeInstanceOf(ProposalRefusedError);
      expect((refusal as ProposalRefusedError).code).toBe('TOO_LARGE');

      // The isolated node comes back behind the compacted log: it gets the snapshot, in chunks.
      network.heal();
      const last = results.at(-1)!.index;
      await waitFor(() => lagging.lastApplied >= last, 10_000, 'the lagging node to catch up');
      expect(machines[nodes.indexOf(lagging)]!.applied).toEqual(machines[nodes.indexOf(leader)]!.applied);

      const appends = sizes.filter((s) => s.type === 'append' && s.entries > 0);
      const chunks = sizes.filter((s) => s.type === 'snapshot');
      expect(
        appends.some((s) => s.entries >= 2),
        'appends batched several entries',
      ).toBe(true);
      expect(chunks.length, 'snapshot chunks sent').toBeGreaterThan(1);
      const largest = Math.max(...sizes.map((s) => s.chars));
      expect(largest, 'the largest message written').toBeLessThanOrEqual(MAX);
    } finally {
      await Promise.all(nodes.map((n) => n.stop()));
    }
  });

  it('appends of many small commands with long client ids fit', async () => {
    const network = new MemoryNetwork();
    const ids = ['a', 'b', 'c'];
    const sizes: { type: string; chars: number; entries: number }[] = [];
    const nodes = ids.map(
      (id) =>
        new RaftInterface(id, {
          peers: ids,
          transport: limited(network, id, sizes),
          // The longest client id allowed (check-options.ts keeps 32 characters for its suffix): it
          // travels in every entry.
          clientId: `${id}${'k'.repeat(DEFAULT_MESSAGE_LIMITS.maxIdLength - 33)}`,
        }),
    );
    try {
      await Promise.all(nodes.map((n) => n.start()));
      await waitFor(() => nodes.some((n) => n.state === 'leader'), 5000, 'a leader');
      const leader = nodes.find((n) => n.state === 'leader')!;
      await Promise.all(Array.from({ length: 500 }, (_, n) => leader.propose(n)));
      const appends = sizes.filter((s) => s.type === 'append' && s.entries > 0);
      expect(Math.max(...appends.map((s) => s.entries)), 'entries in the largest append').toBeGreaterThan(1);
      expect(Math.max(...sizes.map((s) => s.chars)), 'the largest message written').toBeLessThanOrEqual(MAX);
    } finally {
      await Promise.all(nodes.map((n) => n.stop()));
    }
  });
});
