/**
 * Patches committed per second on 3 nodes in one process (MemoryNetwork, MemoryStorage), each node
 * holding a JsonDocument of a 1,000-card board, beside the same run with a state machine that does
 * nothing: the difference is what the document costs a commit (validating and applying the patch on
 * each of the 3 nodes, and the handle's work). Run: `pnpm --filter @webraft/json-doc measure:commits`.
 */
import { MemoryNetwork, RaftInterface, type StateMachine } from '@webraft/core';
import { createJsonDoc, type JsonDoc, JsonDocument, type JsonPatch, type JsonValue } from '../src/index.js';

const CARDS = 1_000;
const PATCHES = 3_000;

function board(): JsonValue {
  const lists = [];
  for (let l = 0; l < CARDS / 100; l++) {
    const cards = [];
    for (let c = 0; c < 100; c++)
      cards.push({ id: `c${l}-${c}`, title: `card ${c}`, done: false, tags: ['a'] });
    lists.push({ name: `list ${l}`, cards });
  }
  return { lists };
}

function patchFor(i: number): JsonPatch {
  const l = i % (CARDS / 100);
  return [
    { op: 'replace', path: `/lists/${l}/cards/${i % 100}/title`, value: `renamed ${i}` },
    { op: 'add', path: `/lists/${l}/cards/-`, value: { id: `n${i}`, title: 'new', done: false, tags: [] } },
    { op: 'remove', path: `/lists/${l}/cards/0` },
  ];
}

class Nothing implements StateMachine {
  apply(): unknown {
    return { ok: true };
  }
  snapshot(): unknown {
    return null;
  }
  restore(): void {}
}

async function cluster(makeStateMachine: () => StateMachine) {
  const network = new MemoryNetwork();
  const peers = ['a', 'b', 'c'];
  const machines = peers.map(() => makeStateMachine());
  const nodes = peers.map(
    (id, i) => new RaftInterface(id, { peers, transport: network.transport(id), stateMachine: machines[i]! }),
  );
  const elected = new Promise<number>((resolve) => {
    for (const [i, node] of nodes.entries()) node.listen('leader', () => resolve(i));
  });
  await Promise.all(nodes.map((n) => n.start()));
  const leader = await elected;
  return { nodes, machines, leader };
}

/** Patches per second with `inflight` proposals at a time, through `propose`. */
async function run(
  propose: (patch: JsonPatch) => Promise<unknown>,
  inflight: number,
  count = PATCHES,
): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: inflight }, async () => {
      while (next < count) await propose(patchFor(next++));
    }),
  );
  return (count / (performance.now() - t0)) * 1000;
}

/** One run with the document, one without; the first call of each only warms the code up. */
async function measurePair(inflight: number, count = PATCHES): Promise<[number, number]> {
  const docs = await cluster(() => new JsonDocument(board()));
  const handle: JsonDoc = createJsonDoc(docs.nodes[docs.leader]!, docs.machines[docs.leader] as JsonDocument);
  const withDoc = await run((p) => handle.propose(p), inflight, count);
  await Promise.all(docs.nodes.map((n) => n.stop()));
  const bare = await cluster(() => new Nothing());
  const raft = bare.nodes[bare.leader]!;
  const without = await run((p) => raft.propose({ patch: p }), inflight, count);
  await Promise.all(bare.nodes.map((n) => n.stop()));
  return [withDoc, without];
}

await measurePair(10, 1_000);
console.log(`3 nodes, MemoryNetwork, a ${CARDS}-card board, ${PATCHES} patches of 3 operations`);
console.log('in flight   JsonDocument (createJsonDoc)   no-op state machine (raft.propose)');
for (const inflight of [1, 100]) {
  const [withDoc, without] = await measurePair(inflight);
  console.log(
    `${String(inflight).padEnd(11)} ${withDoc.toFixed(0).padStart(8)} patches/s               ${without.toFixed(0).padStart(8)} commands/s`,
  );
}
