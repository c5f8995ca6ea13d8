/**
 * A JsonDocument on the core's simulator (@webraft/core/testing): the simulator wants a
 * RecordingStateMachine, so the document rides inside one, and each patch command is recorded under
 * its JSON text (every test patch carries a unique marker, so the text is unique per proposal and
 * the simulator's "applied twice" check holds for patches too).
 */
import { type RandomSource, seededRandom } from '@webraft/core';
import { RecordingStateMachine, Simulation, type SimulationOptions } from '@webraft/core/testing';
import { createJsonDoc, type JsonDoc, JsonDocument, type JsonValue, type PatchResult } from '../src/index.js';

export class RecordingJsonDocument extends RecordingStateMachine {
  readonly doc: JsonDocument;
  /** What `apply` returned, by log index: every node must return the same for the same entry. */
  readonly results = new Map<number, string>();

  constructor(onApply: (id: string, index: number, term: number) => void, initial: JsonValue) {
    super(onApply);
    this.doc = new JsonDocument(initial);
  }

  override apply(command: unknown, meta: { index: number; term: number }): PatchResult {
    const result = this.doc.apply(command, meta);
    this.results.set(meta.index, JSON.stringify(result));
    super.apply({ id: JSON.stringify(command) }, meta);
    return result;
  }

  override snapshot(): unknown {
    return { recording: super.snapshot(), doc: this.doc.snapshot() };
  }

  override restore(snapshot: unknown): void {
    const s = snapshot as { recording: unknown; doc: unknown };
    super.restore(s.recording);
    this.doc.restore(s.doc);
  }
}

/** The seed: `SEED` from the environment when set (a replay), else the test's own. */
export function seedsOr(defaults: number[]): number[] {
  const s = process.env.SEED;
  return s === undefined || s === '' ? defaults : [Number(s)];
}

export function replayFor(file: string): string {
  return `SEED={seed} pnpm vitest run packages/json-doc/test/${file}`;
}

/** A simulation whose nodes each hold a JsonDocument starting at `initial`. */
export function jsonDocSimulation(
  options: Omit<SimulationOptions, 'stateMachine'>,
  initial: JsonValue,
): Simulation {
  return new Simulation({
    ...options,
    stateMachine: (onApply) => new RecordingJsonDocument(onApply, initial),
  });
}

export function recordingOf(sim: Simulation, id: string): RecordingJsonDocument {
  return sim.stateMachine(id) as RecordingJsonDocument;
}

/** The json-doc handle of a running node (a new one after each restart: the document is new too). */
export function handleOf(sim: Simulation, id: string): JsonDoc {
  return createJsonDoc(sim.raft(id), recordingOf(sim, id).doc);
}

/** A started 3-node (by default) simulation with a json-doc handle per node, and a leader elected. */
export interface JsonDocCluster {
  sim: Simulation;
  /** The handle of each node's current incarnation. */
  handles: Map<string, JsonDoc>;
  /** Starts a node again (after a crash) with a new handle for its new document. */
  startNode(id: string): Promise<void>;
}

export async function startJsonDocCluster(
  options: Omit<SimulationOptions, 'stateMachine' | 'nodes'> & { nodes?: string[] },
  initial: JsonValue,
): Promise<JsonDocCluster> {
  const ids = options.nodes ?? ['n1', 'n2', 'n3'];
  const sim = jsonDocSimulation({ ...options, nodes: ids }, initial);
  await sim.start();
  await sim.waitForLeader();
  const handles = new Map(ids.map((id) => [id, handleOf(sim, id)]));
  return {
    sim,
    handles,
    async startNode(id) {
      await sim.startNode(id);
      handles.set(id, handleOf(sim, id));
    },
  };
}

/** Runs `body`; any failure names the seed and how to replay it (a SimulationError already does). */
export async function withSeed(seed: number, replay: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    if (error instanceof Error && !error.message.includes('replay:'))
      error.message += `\n  seed: ${seed}\n  replay: ${replay.replaceAll('{seed}', String(seed))}`;
    throw error;
  }
}

/** A seeded source for the test's own choices. */
export function testRandom(seed: number, salt: number): RandomSource {
  return seededRandom((seed ^ salt) >>> 0);
}

/**
 * The final checks: every live node applied the same entries with the same results, and holds the
 * same document, equal to the committed patches replayed one by one on a fresh document.
 */
export function expectSameDocuments(sim: Simulation, initial: JsonValue): JsonValue {
  sim.checkFinal();
  const ids = sim.memberIds();
  const reference = recordingOf(sim, ids[0]!);
  const text = JSON.stringify(reference.doc.value);
  for (const id of ids) {
    const r = recordingOf(sim, id);
    if (JSON.stringify(r.doc.value) !== text) sim.fail(`${id} holds another document than ${ids[0]}`);
    for (const [index, result] of r.results) {
      const theirs = reference.results.get(index);
      if (theirs !== undefined && theirs !== result)
        sim.fail(`${id} got ${result} for entry ${index}, ${ids[0]} got ${theirs}`);
    }
  }
  const replayed = new JsonDocument(initial);
  reference.applied.forEach((command, i) => {
    replayed.apply(JSON.parse(command), { index: i + 1, term: 1 });
  });
  if (JSON.stringify(replayed.value) !== text)
    sim.fail('the document differs from the patches replayed in order');
  return reference.doc.value as JsonValue;
}
