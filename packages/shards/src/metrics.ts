import type { RegistryState, ServerRecord, ShardRecord, TaskRecord } from './registry-state.js';

/** The counters of one shard, as the seed's Todo asks: uploads ok and failed, replications done, pending, failed. */
export interface ShardCounters {
  shardId: string;
  uploadsOk: number;
  uploadsFailed: number;
  replicationsDone: number;
  replicationsPending: number;
  replicationsFailed: number;
}

export function shardCounters(state: RegistryState): ShardCounters[] {
  return state.shards.map((shard) => ({
    shardId: shard.id,
    ...state.counters(shard.id),
    replicationsPending: state.pending(shard.id),
  }));
}

/** Everything a status page shows: a plain JSON value. */
export interface RegistryStatus {
  time: number;
  servers: ServerRecord[];
  shards: ShardRecord[];
  tasks: TaskRecord[];
  counters: ShardCounters[];
  uploadsRejected: number;
  files: number;
}

export function registryStatus(state: RegistryState): RegistryStatus {
  return {
    time: state.time,
    servers: state.servers,
    shards: state.shards,
    tasks: state.tasks,
    counters: shardCounters(state),
    uploadsRejected: state.uploadsRejected,
    files: state.files.length,
  };
}

const escapeLabel = (v: string) => v.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');

/** The counters in the Prometheus text exposition format (version 0.0.4). */
export function prometheusText(state: RegistryState): string {
  const lines: string[] = [];
  const metric = (name: string, type: 'counter' | 'gauge', help: string, rows: [string, number][]) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of rows) lines.push(`${name}${labels} ${value}`);
  };
  const counters = shardCounters(state);
  const shard = (id: string, extra = '') => `{shard="${escapeLabel(id)}"${extra}}`;
  metric(
    'webraft_shard_uploads_total',
    'counter',
    'Uploads recorded on the shard (ok) and shard attempts that failed (failed).',
    counters.flatMap((c): [string, number][] => [
      [shard(c.shardId, ',result="ok"'), c.uploadsOk],
      [shard(c.shardId, ',result="failed"'), c.uploadsFailed],
    ]),
  );
  metric(
    'webraft_shard_replications_done_total',
    'counter',
    'Replication tasks completed.',
    counters.map((c) => [shard(c.shardId), c.replicationsDone]),
  );
  metric(
    'webraft_shard_replications_failed_total',
    'counter',
    'Replication attempts that failed.',
    counters.map((c) => [shard(c.shardId), c.replicationsFailed]),
  );
  metric(
    'webraft_shard_replications_pending',
    'gauge',
    'Replication tasks not yet completed.',
    counters.map((c) => [shard(c.shardId), c.replicationsPending]),
  );
  metric(
    'webraft_shard_used_bytes',
    'gauge',
    'Bytes recorded on the shard.',
    state.shards.map((s) => [shard(s.id), s.used]),
  );
  metric(
    'webraft_shard_capacity_bytes',
    'gauge',
    'The shard capacity.',
    state.shards.map((s) => [shard(s.id), s.capacity]),
  );
  metric(
    'webraft_shard_read_only',
    'gauge',
    '1 while the shard takes no uploads.',
    state.shards.map((s) => [shard(s.id), s.readOnly ? 1 : 0]),
  );
  metric('webraft_uploads_rejected_total', 'counter', 'Uploads no shard took.', [
    ['', state.uploadsRejected],
  ]);
  return `${lines.join('\n')}\n`;
}
