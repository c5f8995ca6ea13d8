/**
 * Test fixtures: an AllData storage on a virtual clock with seeded latency and faults, a fake cluster of
 * such storages behind the coordinator's `_put` event, and seed handling (SEED=... replays one run).
 */
import { type RandomSource, seededRandom } from '@webraft/core';
import { VirtualClock } from '@webraft/core/testing';
import {
  type AllDataStorage,
  Coordinator,
  type CoordinatorOptions,
  type PeerLocation,
} from '../src/index.js';

export function seedsOr(defaults: number[]): number[] {
  const s = process.env.SEED;
  return s === undefined || s === '' ? defaults : [Number(s)];
}

export function replay(file: string, seed: number): string {
  return `seed ${seed}; replay: SEED=${seed} pnpm vitest run packages/coordinator/test/${file}`;
}

export interface Faults {
  /** Latency of one write in virtual ms, drawn uniformly in [min, max). */
  latency?: [number, number];
  /** Probability that a write fails. */
  failure?: number;
}

/** A storage that stores after a seeded virtual delay, or fails. `data` is what is durable. */
export class FakeStorage implements AllDataStorage {
  readonly data = new Map<string, unknown>();
  /** A down storage fails every write (after its latency, as a timed-out peer client would). */
  down = false;
  writes = 0;
  constructor(
    readonly clock: VirtualClock,
    readonly random: RandomSource,
    readonly faults: Faults = {},
  ) {}

  put(key: string, event: unknown, callback: (error?: unknown) => void): void {
    this.writes++;
    const [min, max] = this.faults.latency ?? [1, 10];
    const fails = this.down || this.random() < (this.faults.failure ?? 0);
    this.clock.setTimer(min + this.random() * (max - min), () => {
      if (fails) return callback(new Error('write failed'));
      this.data.set(key, event);
      callback();
    });
  }
}

export interface FakeCluster {
  clock: VirtualClock;
  coordinator: Coordinator;
  local: FakeStorage;
  peers: Map<string, FakeStorage>;
  /** Where each key is durable now (`local` for the local storage). */
  holders(key: string): string[];
}

/** A coordinator whose `_put` goes to one FakeStorage per peer; `topology` says where each peer is. */
export function fakeCluster(
  seed: number,
  topology: [id: string, location: PeerLocation][],
  options: CoordinatorOptions,
  faults: Faults = {},
): FakeCluster {
  const clock = new VirtualClock();
  const random = seededRandom(seed);
  const local = new FakeStorage(clock, random, { ...faults });
  const coordinator = new Coordinator(local, { random: seededRandom(seed ^ 0x5eed), clock, ...options });
  const peers = new Map<string, FakeStorage>();
  for (const [id, location] of topology) {
    peers.set(id, new FakeStorage(clock, random, { ...faults }));
    void coordinator.addPeer({ id }, location);
  }
  coordinator.on('_put', (peer, key, event, callback) => peers.get(peer.id)!.put(key, event, callback));
  const holders = (key: string) => [
    ...(local.data.has(key) ? ['local'] : []),
    ...[...peers].filter(([, storage]) => storage.data.has(key)).map(([id]) => id),
  ];
  return { clock, coordinator, local, peers, holders };
}

/** Runs the virtual clock to the end, letting promise callbacks run after each event. */
export async function drain(clock: VirtualClock): Promise<void> {
  while (clock.runNext()) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** `count` peers spread over zones and regions: ids say where (`z1-3`, `r2-0`, `s-4`). */
export function topology(sameZone: number, zones: number[], regions: number[]): [string, PeerLocation][] {
  const out: [string, PeerLocation][] = [];
  for (let i = 0; i < sameZone; i++) out.push([`s-${i}`, {}]);
  zones.forEach((n, z) => {
    for (let i = 0; i < n; i++) out.push([`z${z}-${i}`, { zone: `z${z}` }]);
  });
  regions.forEach((n, r) => {
    for (let i = 0; i < n; i++) out.push([`r${r}-${i}`, { region: `r${r}` }]);
  });
  return out;
}
