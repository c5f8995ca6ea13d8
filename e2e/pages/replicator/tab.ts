/**
 * One replica per tab: `tab.html?id=a&cluster=X&offline=1`. Its store is IndexedDB through browser-level
 * (database `replicator-X-a`, so a reload reopens the same data), replicated over the BroadcastChannel
 * transport, found by the transport's presence (no peer list). `offline=1` starts it cut off
 * (`cut-off-transport.ts`); the spec drives it through `window.replica`.
 */
import { auditStore, replicate } from '@webraft/replicator';
import { BroadcastChannelTransport } from '@webraft/transport-broadcastchannel';
import { BrowserLevel } from 'browser-level';
import { CutOffTransport } from './cut-off-transport.js';

const params = new URLSearchParams(location.search);
const id = params.get('id') ?? 'a';
const cluster = params.get('cluster') ?? 'e2e';
const transport = new CutOffTransport(
  new BroadcastChannelTransport({ cluster, presenceIntervalMs: 100 }),
  params.get('offline') === '1',
);
const db = replicate(new BrowserLevel(`replicator-${cluster}-${id}`), {
  id,
  transport,
  startTimeoutMs: 300,
  requestTimeoutMs: 500,
  minIntervalMs: 20,
  maxIntervalMs: 200,
  // Tombstones are kept so the spec can compare them across tabs; compaction has its own tests
  // (packages/replicator/test/store.test.ts).
  compactTombstones: false,
});
const errorCodes: string[] = [];
db.on('error', (error) => errorCodes.push(String((error as { code?: unknown }).code)));

/** Every key this replica holds a version of, tombstones included, with that version and value. */
async function dump() {
  const keys = await db.store.index.keys().all();
  const rows = [];
  for (const key of keys as string[]) {
    const version = await db.version(key);
    if (version === undefined) continue;
    const { clock, writer, deleted } = version;
    rows.push({ key, clock, writer, deleted, value: deleted ? null : await db.get(key) });
  }
  return rows;
}

const replica = {
  id,
  errorCodes,
  setOffline(offline: boolean) {
    transport.offline = offline;
  },
  put: (key: string, value: unknown) => db.put(key, value),
  del: (key: string) => db.del(key),
  dump,
  audit: () => auditStore(db.store),
  close: () => db.close(),
};

(window as unknown as { replica: typeof replica }).replica = replica;
await db.ready;
document.body.dataset.ready = 'true';
