/**
 * `pnpm bench --only coordinator`: @webraft/coordinator over MemoryNetwork, each figure beside a floor
 * measured in the same run:
 * - puts with replicationFactor 3 (the local storage and two peers, each an AllDataPeer on a
 *   MemoryAllDataStorage) at ONE, QUORUM and ALL: puts/s and p50/p99 from put() to its acknowledgement,
 *   1 and 100 puts in flight, beside the raw round trip of the same message shapes through the same
 *   network with no coordinator (one peer; and both peers at once, to the first answer and to the last,
 *   which is the message pattern QUORUM and ALL wait for). A put's work past its acknowledgement (ONE
 *   acknowledges after the local write) is bounded (at most WINDOW puts with replicas still being
 *   written: the app's backpressure) and waited for before the next level, and the time until every
 *   replica of the run ended is shown as well ("settled/s"). Beside puts/s, puts per second of process
 *   CPU time until every replica ended (`/CPU-s`), which a busy machine moves less;
 * - placement decisions (`coordinator.place()`) per CPU-second with 1,000 peers in 10 zones and 3 regions
 *   (replicationFactor 3, one replica in another zone, one in another region), beside drawing the same
 *   number of peers uniformly at random from the same 1,000 with the same random source.
 * Each figure is the median of `trials` runs in this process.
 */
import {
  AllDataPeer,
  type CommitLevel,
  Coordinator,
  MemoryAllDataStorage,
  type PutMessage,
} from '@webraft/coordinator';
import { MemoryNetwork, type MessageSink, type NodeInstance, seededRandom } from '@webraft/core';
import { closedLoopOf } from '../lib/cluster.js';
import { fmtInt, fmtUs, fullGc, median, now, round, summarizeMs } from '../lib/stats.js';
import type { BrowserResult, CaseSpec, TableRow } from '../lib/types.js';

export function coordinatorCases(quick: boolean): CaseSpec[] {
  return [
    {
      name: 'coordinator',
      kind: 'coordinator',
      nodes: 3,
      ops: quick ? 2_000 : 20_000,
      trials: quick ? 1 : 3,
    },
  ];
}

const LEVELS: readonly CommitLevel[] = ['ONE', 'QUORUM', 'ALL'];
const INFLIGHT = [1, 100] as const;
const EVENT = { type: 'click', target: 'button#buy', at: 1_700_000_000_000 };

interface Run {
  opsPerSec: number;
  /**
   * Operations per second of process CPU time (for a put: until every replica ended): moved less than
   * opsPerSec by other processes on the machine.
   */
  perCpuSec: number;
  p50Us: number;
  p99Us: number;
}

/** Median of each figure over the trials (each figure on its own: the runs are independent). */
function medianRun(runs: Run[]): Run {
  return {
    opsPerSec: median(runs.map((r) => r.opsPerSec)),
    perCpuSec: median(runs.map((r) => r.perCpuSec)),
    p50Us: median(runs.map((r) => r.p50Us)),
    p99Us: median(runs.map((r) => r.p99Us)),
  };
}

function figures(ops: number, seconds: number, cpuSeconds: number, latencies: Float64Array): Run {
  const summary = summarizeMs(latencies);
  return {
    opsPerSec: round(ops / seconds),
    perCpuSec: round(ops / cpuSeconds),
    p50Us: summary.p50Us,
    p99Us: summary.p99Us,
  };
}

/** Process CPU time (user and system) since `since`, in seconds. */
const cpuSince = (since: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
};

// ------------------------------------------------------------------ the floor: raw round trips

/**
 * A sender and `peers` answering peers on one MemoryNetwork, exchanging AllDataPeer's message shapes
 * (a put of EVENT, an ack) with no coordinator, no storage and no checks. `roundTrip(i)` sends one put
 * to every peer and resolves at the first answer or the last, as `until` says.
 */
async function rawRoundTrips(peers: number, until: 'first' | 'last') {
  const network = new MemoryNetwork();
  const ids = Array.from({ length: peers }, (_, i) => `p${i + 1}`);
  for (const id of ids) {
    const transport = network.transport(id);
    let back: NodeInstance | null = null;
    const sink: MessageSink = {
      address: id,
      gotData(from: string, payload: unknown) {
        back ??= transport.createInstance(from);
        back.write({ t: 'alldata.ack', id: (payload as PutMessage).id, ok: true });
      },
    };
    await transport.open(sink);
  }
  const waiting = new Map<number, { missing: number; resolve: () => void }>();
  const transport = network.transport('sender');
  await transport.open({
    address: 'sender',
    gotData(_from: string, payload: unknown) {
      const id = (payload as { id: number }).id;
      const w = waiting.get(id);
      if (w === undefined) return;
      if (--w.missing > 0 && until === 'last') return;
      waiting.delete(id);
      w.resolve();
    },
  });
  const instances = ids.map((id) => transport.createInstance(id));
  await network.flushed();
  return (i: number) =>
    new Promise<void>((resolve) => {
      const message: PutMessage = { t: 'alldata.put', id: i, key: `k${i}`, event: EVENT };
      waiting.set(i, { missing: instances.length, resolve });
      for (const instance of instances) instance.write(message);
    });
}

async function floorRun(peers: number, until: 'first' | 'last', inflight: number, ops: number) {
  // Ids restart with each loop (warm-up, then measured): a fresh sender for each keeps them unique.
  let base = 0;
  const roundTrip = await rawRoundTrips(peers, until);
  const op = (i: number) => roundTrip(base + i);
  await closedLoopOf(op, inflight, Math.min(ops, 1_000), null);
  base = 1_000_000;
  await fullGc();
  const latencies = new Float64Array(ops);
  const cpu0 = process.cpuUsage();
  const t0 = now();
  await closedLoopOf(op, inflight, ops, latencies);
  return figures(ops, (now() - t0) / 1000, cpuSince(cpu0), latencies);
}

// ------------------------------------------------------------------ puts through the coordinator

/** Node n1's coordinator with replicationFactor 3 over n2 and n3, every node an AllDataPeer in memory. */
async function threeNodes() {
  const network = new MemoryNetwork();
  const ids = ['n1', 'n2', 'n3'];
  const nodes = await Promise.all(
    ids.map(async (id) => {
      const storage = new MemoryAllDataStorage();
      const peer = new AllDataPeer({ address: id, transport: network.transport(id), storage });
      await peer.start();
      return { id, storage, peer };
    }),
  );
  const [n1] = nodes as [(typeof nodes)[number]];
  const coordinator = new Coordinator(n1.storage, {
    replicationFactor: 3,
    random: seededRandom(1),
  });
  coordinator.on('_put', (p, key, event, callback) => n1.peer._put(p, key, event, callback));
  for (const { id } of nodes.slice(1)) await coordinator.addPeer({ id });
  await network.flushed();
  let settled = 0;
  /** Replicas that failed (timed out: AllDataPeer's default 2 s), counted apart: a sign of overload. */
  let failedReplicas = 0;
  coordinator.on('replica', (_report, replica) => {
    if (replica.status === 'failed') failedReplicas++;
  });
  let waiters: { count: number; resolve: () => void }[] = [];
  coordinator.on('settled', () => {
    settled++;
    if (waiters.length === 0) return;
    for (const w of waiters) if (settled >= w.count) w.resolve();
    waiters = waiters.filter((w) => settled < w.count);
  });
  /** Resolves once `count` puts in all have settled (every replica ended). */
  const allSettled = (count: number) =>
    settled >= count ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ count, resolve }));
  const close = () => Promise.all(nodes.map((n) => n.peer.close()));
  return {
    coordinator,
    nodes,
    allSettled,
    close,
    settledCount: () => settled,
    failedReplicas: () => failedReplicas,
  };
}

/** Puts acknowledged but with replicas still being written, at most: see putRun. */
const WINDOW = 1_000;

async function putRun(level: CommitLevel, inflight: number, ops: number) {
  const { coordinator, nodes, allSettled, close, settledCount, failedReplicas } = await threeNodes();
  let seq = 0;
  let failed = 0;
  let latencies: Float64Array | null = null;
  const op = async (i: number) => {
    // ONE acknowledges after the local write, which is synchronous here: without a bound the loop
    // would start every put before one message is delivered. The app's backpressure: at most WINDOW
    // puts whose replicas are still being written. Latency is from put() on, the wait left out.
    if (seq - settledCount() >= WINDOW) await allSettled(seq - WINDOW + 1);
    const started = now();
    const ack = await coordinator.put(`key-${seq++}`, EVENT, level);
    if (latencies !== null) latencies[i] = now() - started;
    if (ack.durable.length < (level === 'ALL' ? 3 : level === 'QUORUM' ? 2 : 1)) failed++;
  };
  await closedLoopOf(op, inflight, Math.min(ops, 1_000), null);
  await allSettled(seq);
  await fullGc();
  const before = settledCount();
  const measured = new Float64Array(ops);
  latencies = measured;
  const cpu0 = process.cpuUsage();
  const t0 = now();
  await closedLoopOf(op, inflight, ops, null);
  const acknowledged = (now() - t0) / 1000;
  await allSettled(before + ops);
  const ended = (now() - t0) / 1000;
  const cpuSeconds = cpuSince(cpu0);
  const stored = nodes.map((n) => n.storage.size);
  await close();
  if (failed > 0) throw new Error(`${failed} acknowledgement(s) had fewer durable replicas than ${level}`);
  if (stored.some((size) => size !== seq))
    throw new Error(`every node should hold all ${seq} events, not ${stored.join(', ')}`);
  return {
    ...figures(ops, acknowledged, cpuSeconds, measured),
    settledPerSec: round(ops / ended),
    failedReplicas: failedReplicas(),
  };
}

// ------------------------------------------------------------------ placement decisions

const PEERS = 1_000;
const ZONES = 10;
const REGIONS = 3;

/**
 * 1,000 peers spread in turn over 13 places: the 10 zones of the coordinator's region (zone-0 its
 * own) and 3 other regions (a peer with a region and no zone, as the seed's addPeer has it).
 */
async function placementCoordinator() {
  const coordinator = new Coordinator(new MemoryAllDataStorage(), {
    replicationFactor: 3,
    replicationStrategy: { otherZoneReplicas: 1, otherRegionReplicas: 1 },
    location: { zone: 'zone-0', region: 'region-0' },
    random: seededRandom(7),
  });
  for (let i = 0; i < PEERS; i++) {
    const place = i % (ZONES + REGIONS);
    await coordinator.addPeer(
      { id: `peer-${i}` },
      place < ZONES ? { zone: `zone-${place}` } : { region: `region-${place - ZONES + 1}` },
    );
  }
  return coordinator;
}

/** Calls of `run` per second of process CPU time (a synchronous loop: wall time would only add waiting). */
function perCpuSecond(count: number, run: (i: number) => void): number {
  for (let i = 0; i < Math.min(count, 10_000); i++) run(i);
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < count; i++) run(i);
  return round(count / cpuSince(cpu0));
}

async function placementRun(decisions: number) {
  const coordinator = await placementCoordinator();
  const roles = new Map<string, number>();
  let calls = 0;
  const decided = perCpuSecond(decisions, () => {
    calls++;
    for (const { role } of coordinator.place()) roles.set(role, (roles.get(role) ?? 0) + 1);
  });
  // The floor: two peers drawn uniformly from the same 1,000 (distinct), with the same kind of source.
  const ids = coordinator.peers.entries();
  const random = seededRandom(7);
  let sink = 0;
  const drawn = perCpuSecond(decisions, () => {
    const a = Math.floor(random() * ids.length);
    let b = Math.floor(random() * ids.length);
    while (b === a) b = Math.floor(random() * ids.length);
    sink += ids[a]!.id.length + ids[b]!.id.length;
  });
  if (sink === 0) throw new Error('unreachable');
  // What was measured is the policy: every decision one replica in another zone, one in another region.
  if (roles.get('otherZone') !== calls || roles.get('otherRegion') !== calls || roles.size !== 2)
    throw new Error(`each decision should place one other zone and one other region: ${[...roles]}`);
  return { decided, drawn };
}

// ------------------------------------------------------------------ the case

export async function runCoordinator(spec: CaseSpec): Promise<BrowserResult> {
  const ops = spec.ops ?? 20_000;
  const trials = spec.trials ?? 3;
  const rows: TableRow[] = [];
  const details: string[] = [];
  const figuresOut: Record<string, unknown> = {};

  for (const inflight of INFLIGHT) {
    const repeat = async (run: () => Promise<Run>) => {
      const runs: Run[] = [];
      for (let t = 0; t < trials; t++) runs.push(await run());
      return medianRun(runs);
    };
    const onePeer = await repeat(() => floorRun(1, 'last', inflight, ops));
    const firstOfTwo = await repeat(() => floorRun(2, 'first', inflight, ops));
    const bothOfTwo = await repeat(() => floorRun(2, 'last', inflight, ops));
    const floors: Record<CommitLevel, Run> = { ONE: onePeer, QUORUM: firstOfTwo, ALL: bothOfTwo };
    const floorLabel: Record<CommitLevel, string> = {
      ONE: 'rt to 1 peer',
      QUORUM: 'rt to 2 peers, first answer',
      ALL: 'rt to 2 peers, both answers',
    };
    figuresOut[`floor-${inflight}`] = { onePeer, firstOfTwo, bothOfTwo };
    for (const level of LEVELS) {
      const runs: (Run & { settledPerSec: number; failedReplicas: number })[] = [];
      for (let t = 0; t < trials; t++) runs.push(await putRun(level, inflight, ops));
      const run = { ...medianRun(runs), settledPerSec: median(runs.map((r) => r.settledPerSec)) };
      figuresOut[`puts-${level}-${inflight}`] = { ...run, runs };
      const floor = floors[level];
      rows.push({
        benchmark: `coordinator put ${level}, rf 3, ${inflight} in flight`,
        figure: `${fmtInt(run.opsPerSec)} puts/s (${fmtInt(run.perCpuSec)}/CPU-s), p50 ${fmtUs(run.p50Us)}, p99 ${fmtUs(run.p99Us)}`,
        floor: `${floorLabel[level]}: ${fmtInt(floor.opsPerSec)}/s (${fmtInt(floor.perCpuSec)}/CPU-s), p50 ${fmtUs(floor.p50Us)}`,
        target: '',
        met: null,
      });
      details.push(
        `coordinator-${level}-${inflight}: ${fmtInt(ops)} puts x ${trials}; settled (every replica ended) ${fmtInt(run.settledPerSec)}/s; replicas failed (timed out) per trial ${runs.map((r) => r.failedReplicas).join(', ')}; puts/s per trial ${runs.map((r) => fmtInt(r.opsPerSec)).join(', ')}`,
      );
    }
    details.push(
      `coordinator floor, ${inflight} in flight: rt to 1 peer ${fmtInt(onePeer.opsPerSec)}/s p50 ${fmtUs(onePeer.p50Us)} p99 ${fmtUs(onePeer.p99Us)}; to 2 peers, first ${fmtInt(firstOfTwo.opsPerSec)}/s p99 ${fmtUs(firstOfTwo.p99Us)}, both ${fmtInt(bothOfTwo.opsPerSec)}/s p99 ${fmtUs(bothOfTwo.p99Us)}`,
    );
  }

  const decisions = ops * 10;
  const placements: { decided: number; drawn: number }[] = [];
  for (let t = 0; t < trials; t++) placements.push(await placementRun(decisions));
  const decided = median(placements.map((p) => p.decided));
  const drawn = median(placements.map((p) => p.drawn));
  figuresOut.placement = { peers: PEERS, zones: ZONES, regions: REGIONS, decided, drawn, placements };
  rows.push({
    benchmark: `coordinator placement, ${fmtInt(PEERS)} peers, ${ZONES} zones, ${REGIONS} regions`,
    figure: `${fmtInt(decided)} decisions/CPU-s`,
    floor: `2 uniform random draws: ${fmtInt(drawn)}/CPU-s (${Math.round((100 * decided) / drawn)}% of it)`,
    target: '',
    met: null,
  });
  details.push(
    `coordinator placement: ${fmtInt(decisions)} decisions x ${trials} (rf 3, 1 other zone, 1 other region); per trial ${placements.map((p) => fmtInt(p.decided)).join(', ')}`,
  );
  return { name: spec.name, kind: 'coordinator', nodes: spec.nodes, rows, details, figures: figuresOut };
}
