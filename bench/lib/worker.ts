/**
 * Runs one benchmark case in a fresh process (clean heap, clean JIT state) and sends its result to
 * the parent over IPC. Started by run.ts with --expose-gc and tsx, and with @webraft/core resolving to
 * a fresh tsc build of its source (or to the source itself, with --core source).
 */
import { runCommits } from '../benchmarks/commits.js';
import { runElection } from '../benchmarks/election.js';
import { runFloor } from '../benchmarks/floor.js';
import { runLearner } from '../benchmarks/learner.js';
import { runMemory } from '../benchmarks/memory.js';
import { runReads } from '../benchmarks/reads.js';
import { runTransfer } from '../benchmarks/transfer.js';
import type { CaseResult, CaseSpec } from './types.js';

export type WorkerMessage =
  | { ok: true; result: CaseResult; coreEntry: string }
  | { ok: false; error: string };

async function run(spec: CaseSpec): Promise<CaseResult> {
  switch (spec.kind) {
    case 'commits':
      return runCommits(spec);
    case 'floor':
      return runFloor(spec);
    case 'election':
      return runElection(spec);
    case 'memory':
      return runMemory(spec);
    case 'reads':
      return runReads(spec);
    case 'learner':
      return runLearner(spec);
    case 'transfer':
      return runTransfer(spec);
    case 'storage-file':
      return (await import('../benchmarks/storage-file.js')).runStorageFile(spec);
    case 'coordinator':
      return (await import('../benchmarks/coordinator.js')).runCoordinator(spec);
    case 'shards':
      return (await import('../benchmarks/shards.js')).runShards(spec);
    case 'replicator':
      return (await import('../benchmarks/replicator.js')).runReplicator(spec);
    case 'leaderfeed':
      return (await import('../benchmarks/leaderfeed.js')).runLeaderFeedNode(spec);
    case 'browser':
      if (spec.name.startsWith('browser-storage-')) {
        return (await import('../browser/storage.js')).runBrowserStorage(spec);
      }
      if (spec.name === 'browser-collab-edits') {
        return (await import('../browser/collab-edits.js')).runBrowserCollabEdits(spec);
      }
      if (spec.name === 'browser-leaderfeed') {
        return (await import('../browser/leaderfeed.js')).runBrowserLeaderFeed(spec);
      }
      if (spec.name === 'browser-webrtc') {
        return (await import('../browser/webrtc.js')).runBrowserWebRtc(spec);
      }
      if (spec.name === 'browser-tab-failover') {
        return (await import('../browser/tab-failover.js')).runBrowserTabFailover(spec);
      }
      if (spec.name === 'browser-websocket') {
        return (await import('../browser/websocket.js')).runBrowserWebSocket(spec);
      }
      return (await import('../browser/broadcastchannel.js')).runBrowserBroadcastChannel(spec);
  }
}

function reply(message: WorkerMessage): void {
  if (!process.send) {
    console.log(JSON.stringify(message, null, 2));
    process.exit(message.ok ? 0 : 1);
  }
  process.send(message, () => process.exit(message.ok ? 0 : 1));
}

const spec = JSON.parse(process.argv[2] ?? '{}') as CaseSpec;
run(spec).then(
  (result) => reply({ ok: true, result, coreEntry: import.meta.resolve('@webraft/core') }),
  (error: unknown) =>
    reply({ ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
);
