import { ConfigurationError } from '@webraft/core';
import { describe, expect, it } from 'vitest';
import {
  createJsonDoc,
  type JsonDocChange,
  JsonDocument,
  type JsonValue,
  PATCH_LIMITS,
  PatchConflictError,
} from '../src/index.js';
import { handleOf, replayFor, startJsonDocCluster } from './sim-helpers.js';

const replay = replayFor('json-doc-handle.sim.test.ts');
type Board = { title: string; cards: string[] };
const INITIAL: Board = { title: 'start', cards: [] };

async function cluster(seed: number) {
  const { sim } = await startJsonDocCluster({ seed, replay }, INITIAL);
  const leader = sim.leader()!;
  const followers = sim.ids.filter((id) => id !== leader);
  return { sim, leader, followers };
}

/** Runs the simulation until `promise` settles; returns its value or its error. */
async function settle<T>(
  sim: Awaited<ReturnType<typeof cluster>>['sim'],
  promise: Promise<T>,
): Promise<{ value?: T; error?: unknown }> {
  let out: { value?: T; error?: unknown } | undefined;
  promise.then(
    (value) => (out = { value }),
    (error) => (out = { error }),
  );
  await sim.runUntil(() => out !== undefined, 10_000, 'the promise to settle');
  return out!;
}

describe('createJsonDoc on simulated nodes', () => {
  it('read() on a lagging follower waits for the patches committed before it', async () => {
    const { sim, leader, followers } = await cluster(41);
    const [lagging] = followers as [string];
    const onLeader = handleOf(sim, leader);
    const onLagging = handleOf(sim, lagging);
    // The lagging follower hears nothing from the leader while the patch commits with the other one.
    sim.network.disconnect(leader, lagging, true);
    const committed = await settle(sim, onLeader.propose([{ op: 'replace', path: '/title', value: 'new' }]));
    expect(committed.error).toBeUndefined();
    expect((onLagging.value as Board).title).toBe('start');
    const read = onLagging.read();
    sim.network.connect(leader, lagging);
    const { value } = await settle(sim, read);
    expect((value as Board).title).toBe('new');
    await sim.stop();
  });

  it('subscribers on every node hear the patch, its index and its proposer', async () => {
    const { sim, leader, followers } = await cluster(42);
    const heard: JsonDocChange[] = [];
    handleOf(sim, followers[0]!).subscribe((c) => heard.push(c));
    const onLeader = createJsonDoc(sim.raft(leader), handleOf(sim, leader).document, { proposer: 'alice' });
    const { value } = await settle(sim, onLeader.propose([{ op: 'add', path: '/cards/-', value: 'x' }]));
    await sim.converge();
    expect(heard).toMatchObject([
      { patch: [{ op: 'add', path: '/cards/-', value: 'x' }], index: value!.index, proposer: 'alice' },
    ]);
    expect((heard[0]!.value as Board).cards).toEqual(['x']);
    expect((heard[0]!.previous as Board).cards).toEqual([]);
    await sim.stop();
  });

  it('an optimistic patch shows at once, and stays once committed', async () => {
    const { sim, followers } = await cluster(43);
    const h = handleOf(sim, followers[0]!);
    const views: JsonValue[] = [];
    h.subscribeOptimistic((v) => views.push(v as JsonValue));
    const done = h.optimistic([{ op: 'add', path: '/cards/-', value: 'mine' }]);
    expect((h.optimisticValue as Board).cards).toEqual(['mine']);
    expect((h.value as Board).cards).toEqual([]);
    expect(views).toHaveLength(1);
    const { error } = await settle(sim, done);
    expect(error).toBeUndefined();
    expect((h.value as Board).cards).toEqual(['mine']);
    // Once committed it is shown once, from the committed value, not applied a second time on top.
    expect(h.optimisticValue).toBe(h.value);
    // (Listeners hear the committed version replace the optimistic one: equal, another object.)
    for (const v of views) expect((v as Board).cards).toEqual(['mine']);
    expect(views.at(-1)).toBe(h.value);
    await sim.stop();
  });

  it('two guarded edits of the same value race: one commits, the other fails and is rolled back', async () => {
    const { sim, followers, leader } = await cluster(44);
    const a = handleOf(sim, leader);
    const b = handleOf(sim, followers[0]!);
    const bViews: string[] = [];
    b.subscribeOptimistic((v) => bViews.push((v as Board).title));
    const editA = a.edit((d) => {
      (d as Board).title = 'A';
    });
    const editB = b.edit((d) => {
      (d as Board).title = 'B';
    });
    expect((a.optimisticValue as Board).title).toBe('A');
    expect((b.optimisticValue as Board).title).toBe('B');
    const [ra, rb] = [await settle(sim, editA), await settle(sim, editB)];
    await sim.converge();
    // The leader's edit reaches the log first; the follower's test of the old title then fails.
    expect(ra.error).toBeUndefined();
    expect(rb.error).toBeInstanceOf(PatchConflictError);
    const conflict = rb.error as PatchConflictError;
    expect(conflict.reason).toBe('TEST_FAILED');
    expect(conflict.operation).toEqual({ op: 'test', path: '/title', value: 'start' });
    expect((b.value as Board).title).toBe('A');
    expect(b.optimisticValue).toBe(b.value);
    expect(bViews).toEqual(['B', 'A']);
    await sim.stop();
  });

  it('a value as deep as the limit allows replicates (the core carries it)', async () => {
    const { sim, followers } = await cluster(47);
    let deep: JsonValue = 'bottom';
    for (let i = 0; i < PATCH_LIMITS.maxValueDepth; i++) deep = i % 2 ? [deep] : { d: deep };
    const h = handleOf(sim, followers[0]!);
    const { error } = await settle(sim, h.propose([{ op: 'add', path: '/deep', value: deep }]));
    expect(error).toBeUndefined();
    await sim.converge();
    for (const id of sim.liveIds()) expect(handleOf(sim, id).value).toMatchObject({ deep });
    await sim.stop();
  });

  it('edit() resolves null when nothing changed, and proposes nothing', async () => {
    const { sim, leader } = await cluster(45);
    const h = handleOf(sim, leader);
    const last = sim.status(leader).lastIndex;
    expect(await h.edit(() => undefined)).toBeNull();
    expect(await h.edit((d) => ({ ...(d as Board) }))).toBeNull();
    expect(sim.status(leader).lastIndex).toBe(last);
    await sim.stop();
  });

  it('a document that is not the node state machine, or a proposer label too long, is a configuration error', async () => {
    const { sim, leader } = await cluster(46);
    expect(() =>
      createJsonDoc(sim.raft(leader), handleOf(sim, leader).document, { proposer: 'x'.repeat(257) }),
    ).toThrow(ConfigurationError);
    const stray = createJsonDoc(sim.raft(leader), new JsonDocument(INITIAL));
    const { error } = await settle(sim, stray.propose([{ op: 'replace', path: '/title', value: 'x' }]));
    expect(error).toBeInstanceOf(ConfigurationError);
    await sim.stop();
  });
});
