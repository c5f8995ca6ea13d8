/**
 * The floor: the message pattern of a commit with no Raft logic. A "leader" sends one message to each
 * "follower" through a MemoryNetwork (JSON-copied, delivered on a later turn, batched per turn or each
 * in its own task as the case's `delivery` says, exactly as Raft's messages are); each follower answers with one message; the round trip is done when every
 * follower's answer is back. The payloads are shaped like an append of one entry and its response, so
 * the JSON work is comparable. Closed loop with `inflight` round trips outstanding, one message per
 * direction per round trip (no batching, unlike Raft's appends under load).
 */
import { MemoryNetwork, type MessageSink, type NodeInstance } from '@webraft/core';
import { COMMAND } from '../lib/cluster.js';
import { throughputFigures, timed } from '../lib/measure.js';
import { fullGc, now } from '../lib/stats.js';
import type { CaseSpec, ThroughputResult } from '../lib/types.js';

interface AppendLike {
  type: 'append';
  from: string;
  to: string;
  term: number;
  index: number;
  logTerm: number;
  entries: { index: number; term: number; kind: 'command'; data: unknown; client: string; seq: number }[];
  commit: number;
}

interface ResponseLike {
  type: 'appendResponse';
  from: string;
  to: string;
  term: number;
  index: number;
  reject: boolean;
}

export async function runFloor(spec: CaseSpec): Promise<ThroughputResult> {
  const inflight = spec.inflight ?? 1;
  const ops = spec.ops ?? 50_000;
  const warmup = spec.warmup ?? 0;
  const delivery = spec.delivery ?? 'batched';
  const network = new MemoryNetwork({ delivery });
  const ids = Array.from({ length: spec.nodes }, (_, i) => `n${i + 1}`);
  const leaderId = ids[0]!;
  const followerIds = ids.slice(1);

  // Followers: answer each append at once.
  for (const id of followerIds) {
    const transport = network.transport(id);
    let back: NodeInstance | null = null;
    const sink: MessageSink = {
      address: id,
      gotData(from: string, payload: unknown) {
        const m = payload as AppendLike;
        back ??= transport.createInstance(from);
        const reply: ResponseLike = {
          type: 'appendResponse',
          from: id,
          to: from,
          term: m.term,
          index: m.index + m.entries.length,
          reject: false,
        };
        back.write(reply);
      },
    };
    await transport.open(sink);
  }

  // The leader: a closed loop of round trips.
  const transport = network.transport(leaderId);
  let total = 0;
  let latencies: Float64Array | null = null;
  let issued = 0;
  let done = 0;
  let finish: () => void = () => {};
  const started = new Float64Array(inflight);
  /** Answers still missing per slot (slot = round trip id modulo inflight). */
  const missing = new Int32Array(inflight);
  const slotOf = new Map<number, number>();
  let freeSlots: number[] = [];

  const leaderSink: MessageSink = {
    address: leaderId,
    gotData(_from: string, payload: unknown) {
      const m = payload as ResponseLike;
      const id = m.index - 1;
      const slot = slotOf.get(id)!;
      if (--missing[slot]! > 0) return;
      slotOf.delete(id);
      if (latencies) latencies[done] = now() - started[slot]!;
      done++;
      freeSlots.push(slot);
      if (issued < total) issue();
      else if (done === total) finish();
    },
  };
  await transport.open(leaderSink);
  const instances = followerIds.map((to) => transport.createInstance(to));

  let seq = 0;
  const issue = (): void => {
    issued++;
    const slot = freeSlots.pop()!;
    const id = seq++;
    slotOf.set(id, slot);
    missing[slot] = instances.length;
    started[slot] = now();
    for (const instance of instances) {
      const m: AppendLike = {
        type: 'append',
        from: leaderId,
        to: instance.address,
        term: 1,
        index: id,
        logTerm: 1,
        entries: [{ index: id + 1, term: 1, kind: 'command', data: COMMAND, client: 'n1~bench', seq: id }],
        commit: id,
      };
      instance.write(m);
    }
  };
  const loop = (count: number, record: Float64Array | null): Promise<void> =>
    new Promise((resolve) => {
      total = count;
      issued = 0;
      done = 0;
      latencies = record;
      finish = resolve;
      freeSlots = Array.from({ length: inflight }, (_, i) => i);
      for (let k = 0; k < Math.min(inflight, count); k++) issue();
      if (count === 0) resolve();
    });

  // Let the peer notifications of the opens go out first.
  await network.flushed();
  await loop(warmup, null);
  const record = new Float64Array(ops);
  await fullGc();
  const sentBefore = network.stats.sent;
  const { seconds, cpuSeconds } = await timed(spec.profile, () => loop(ops, record));
  const messages = network.stats.sent - sentBefore;
  return {
    name: spec.name,
    kind: 'floor',
    nodes: spec.nodes,
    delivery,
    inflight,
    ...throughputFigures(ops, { seconds, cpuSeconds }, record, messages),
  };
}
