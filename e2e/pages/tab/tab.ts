/**
 * A tab claiming its identity on load (`?cluster=<name>`), on the page's real sessionStorage,
 * localStorage, Web Locks and IndexedDB. It runs a single-node cluster under its id on IndexedDbStorage
 * (given the identity's usage marker), and exposes what the spec asks about as `window.tab`.
 */
import { MemoryNetwork, type RaftError, RaftInterface } from '@webraft/core';
import { IndexedDbStorage } from '@webraft/storage-indexeddb';
import { adoptIdentity, claimTabIdentity, listIdentities, type TabIdentity } from '@webraft/tab';
import { ListMachine } from '../list-machine.js';

const params = new URLSearchParams(location.search);
const cluster = params.get('cluster') ?? 'e2e';
const namespace = `tab-e2e-${cluster}`;
const hasData = (id: string) => IndexedDbStorage.hasData(id, { namespace });

// What this tab found in sessionStorage before claiming: a duplicated tab finds the original's id.
const storedBefore = sessionStorage.getItem(`webraft-tab/${cluster}`);
const identity: TabIdentity = await claimTabIdentity({
  cluster,
  hasData,
  releaseOnPagehide: params.get('releaseOnPagehide') !== 'false',
});
// A page restored from the back/forward cache says so (its scripts do not run again), in the page and
// in sessionStorage, so a later document of this tab can tell a restore (then a reload) from an eviction.
const RESTORES_KEY = 'e2e-restores';
const restores = () => Number(sessionStorage.getItem(RESTORES_KEY) ?? 0);
window.addEventListener('pageshow', (event) => {
  if (!event.persisted) return;
  sessionStorage.setItem(RESTORES_KEY, String(restores() + 1));
  document.body.dataset.restored = String(restores());
});

/**
 * Runs a single-node cluster under this tab's id (or `under`, an adopted one), proposes `commands`, and
 * returns everything its state machine applied: after a reload or an adoption, the commands of earlier
 * runs come first (replayed from the log).
 */
async function runNode(commands: string[], under: TabIdentity = identity): Promise<unknown[]> {
  const { id, usage } = under;
  const network = new MemoryNetwork();
  const machine = new ListMachine();
  const node = new RaftInterface(id, {
    peers: [id],
    transport: network.transport(id),
    stateMachine: machine,
    storage: new IndexedDbStorage(id, { namespace, usage }),
  });
  const elected = new Promise<void>((resolve) => node.listen('leader', () => resolve()));
  await node.start();
  await elected;
  for (const command of commands) await node.propose(command);
  await node.stop();
  return machine.items;
}

/** The command entries stored under this tab's id, read by a fresh handle. */
async function dump(): Promise<unknown[]> {
  const storage = new IndexedDbStorage(identity.id, { namespace });
  try {
    const { entries } = await storage.load();
    return entries.filter((e) => e.kind === 'command').map((e) => e.data);
  } finally {
    await storage.close();
  }
}

/** Loads this id's storage with its usage marker, as the node would: what it fails with, if anything. */
async function loadWithMarker(): Promise<{ name: string; code: string } | 'ok'> {
  const storage = new IndexedDbStorage(identity.id, { namespace, usage: identity.usage });
  try {
    await storage.load();
    return 'ok';
  } catch (error) {
    return { name: (error as RaftError).name, code: (error as RaftError).code };
  } finally {
    await storage.close();
  }
}

/** The webraft databases of this origin for this cluster's namespace. */
async function databases(): Promise<string[]> {
  const all = await indexedDB.databases();
  return all.map((db) => db.name ?? '').filter((name) => name.startsWith(`webraft/${namespace}/`));
}

const list = () => listIdentities({ cluster, hasData });

/** Adoptions this page keeps holding. */
const adopted = new Map<string, TabIdentity>();

/**
 * Adopts `id` and runs its node with `commands` (then lets the id go, unless `keep`); or the error's
 * name and code when adoption fails.
 */
async function adoptAndRun(
  id: string,
  commands: string[],
  keep = false,
): Promise<unknown[] | { name: string; code: string }> {
  let adoption: TabIdentity;
  try {
    adoption = await adoptIdentity({ cluster, id, hasData });
  } catch (error) {
    return { name: (error as RaftError).name, code: (error as RaftError).code };
  }
  try {
    return await runNode(commands, adoption);
  } finally {
    if (keep) adopted.set(id, adoption);
    else await adoption.release();
  }
}
const openDuplicate = () => void window.open(location.href);

(window as unknown as { tab: unknown }).tab = {
  id: identity.id,
  lostId: identity.lostId ?? null,
  storedBefore,
  runNode,
  dump,
  loadWithMarker,
  databases,
  list,
  adoptAndRun,
  held: () => identity.held,
  restores,
  openDuplicate,
};
document.body.dataset.id = identity.id;
document.body.dataset.ready = 'true';
