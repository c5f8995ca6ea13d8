import { type RegistryState, shardCounters } from '@webraft/shards';
import { kilobytes, setCells, syncRows } from './rows.js';
import { type DemoCluster, startCluster } from './start-cluster.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const body = (id: string) => $<HTMLTableElement>(id).tBodies[0]!;
const status = $('status');

/** Storage servers taken down from the page (the blob store keeps no list of its own). */
const down = new Set<string>();

function draw(cluster: DemoCluster): void {
  // What the first member has applied: every member applies the same entries in the same order.
  const state: RegistryState = cluster.members[0]!.registry.state;
  const shardOf = (serverId: string) => state.shards.find((s) => s.serverIds.includes(serverId))?.id ?? '';

  syncRows(
    body('shards'),
    state.shards,
    (s) => s.id,
    (row, s) => {
      const files = state.files.filter((f) => f.shardId === s.id).length;
      setCells(row, [s.id, s.serverIds.join(', '), null, s.readOnly ? 'read-only' : 'enabled', files]);
      const fill = row.cells[2]!;
      const meter = fill.querySelector('meter') ?? fill.appendChild(document.createElement('meter'));
      meter.max = s.capacity;
      meter.value = s.used;
      meter.setAttribute('aria-label', `Shard ${s.id} fill`);
      const text = fill.querySelector('span') ?? fill.appendChild(document.createElement('span'));
      text.textContent = ` ${kilobytes(s.used)} of ${kilobytes(s.capacity)}`;
      row.dataset.shardId = s.id;
      row.dataset.used = String(s.used);
    },
  );

  syncRows(
    body('servers'),
    state.servers,
    (s) => s.id,
    (row, s) => {
      const isDown = down.has(s.id);
      setCells(row, [s.id, s.url, shardOf(s.id), cluster.blobs.filesOf(s.url).size]);
      row.dataset.serverId = s.id;
      row.dataset.down = String(isDown);
      row.cells[4]!.querySelector('span')!.textContent = isDown ? 'down ' : 'up ';
      row.cells[4]!.querySelector('button')!.textContent = isDown
        ? `Bring server ${s.id} up`
        : `Take server ${s.id} down`;
    },
    (row, s) => {
      for (let i = 0; i < 4; i++) row.insertCell();
      const cell = row.insertCell();
      const button = document.createElement('button');
      button.type = 'button';
      button.addEventListener('click', () => {
        if (down.has(s.id)) down.delete(s.id);
        else down.add(s.id);
        cluster.blobs.setDown(s.url, down.has(s.id));
        draw(cluster);
      });
      cell.append(document.createElement('span'), button);
    },
  );

  syncRows(
    body('queue'),
    state.tasks,
    (t) => t.id,
    (row, t) => {
      setCells(row, [
        t.id,
        `${t.shardId}:${t.name}`,
        t.target,
        t.holder ?? '',
        t.attempts,
        t.lastError ?? '',
      ]);
      row.dataset.taskId = t.id;
    },
  );
  $('queue-summary').textContent = `${state.tasks.length} task(s) pending.`;
  $('queue').dataset.pending = String(state.tasks.length);

  syncRows(
    body('counters'),
    shardCounters(state),
    (c) => c.shardId,
    (row, c) => {
      const values = [
        c.uploadsOk,
        c.uploadsFailed,
        c.replicationsDone,
        c.replicationsPending,
        c.replicationsFailed,
      ];
      setCells(row, [c.shardId, ...values]);
      row.dataset.shardId = c.shardId;
      ['uploadsOk', 'uploadsFailed', 'replicationsDone', 'replicationsPending', 'replicationsFailed'].forEach(
        (name, i) => {
          row.dataset[name] = String(values[i]);
        },
      );
    },
  );
  const mismatches = cluster.members.reduce((n, m) => n + m.coordinator.readMismatches, 0);
  $('totals').textContent =
    `Uploads no shard took: ${state.uploadsRejected}. Files: ${state.files.length}. Reads that met other bytes than the recorded ones: ${mismatches}.`;

  syncRows(
    body('members'),
    cluster.members,
    (m) => m.id,
    (row, m) => setCells(row, [m.id, m.raft.state, m.raft.term, m.raft.commitIndex, m.replicator.copied]),
  );
}

/** Redraws at most once a frame, however many entries apply in it. */
function drawer(cluster: DemoCluster): () => void {
  let queued = false;
  return () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      draw(cluster);
    });
  };
}

function listUpload(text: string, attrs: Record<string, string>): void {
  const item = document.createElement('li');
  item.textContent = text;
  for (const [k, v] of Object.entries(attrs)) item.dataset[k] = v;
  $('uploads').prepend(item);
}

async function main(): Promise<void> {
  const cluster = await startCluster();
  const redraw = drawer(cluster);
  for (const m of cluster.members) {
    m.registry.subscribe(redraw);
    for (const event of ['leader', 'follower', 'candidate'] as const) m.raft.listen(event, redraw);
  }
  draw(cluster);

  $('upload').addEventListener('submit', (submit) => {
    submit.preventDefault();
    const file = $<HTMLInputElement>('file').files?.[0];
    if (!file) return;
    const member = cluster.members.find((m) => m.id === $<HTMLSelectElement>('via').value)!;
    status.textContent = `Uploading ${file.name} through ${member.id}…`;
    file
      .arrayBuffer()
      .then((buffer) => member.coordinator.upload(file.name, new Uint8Array(buffer)))
      .then(({ shardId }) => {
        status.textContent = `${file.name} is in shard ${shardId}.`;
        listUpload(`${file.name} (${kilobytes(file.size)}) → shard ${shardId}`, { name: file.name, shardId });
      })
      .catch((error: unknown) => {
        status.textContent = `Upload of ${file.name} failed: ${error instanceof Error ? error.message : String(error)}`;
        listUpload(`${file.name}: failed`, { name: file.name, failed: 'true' });
      })
      .finally(redraw);
  });

  $<HTMLInputElement>('replicating').addEventListener('change', (change) => {
    const on = (change.target as HTMLInputElement).checked;
    void cluster.setReplicating(on).then(() => {
      status.textContent = on ? 'Replicators running.' : 'Replicators stopped: the queue only grows.';
    });
  });

  $('main').hidden = false;
  status.textContent = 'Three coordinator members, six storage servers in three shards of two.';
  document.body.dataset.ready = 'true';
}

main().catch((error: unknown) => {
  status.textContent = `Could not start: ${error instanceof Error ? error.message : String(error)}`;
});
