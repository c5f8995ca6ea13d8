/** The shared 3-node cluster page (../storage-cluster.ts), each node on its own IndexedDB database. */
import { IndexedDbStorage } from '@webraft/storage-indexeddb';
import { clusterPage } from '../storage-cluster.js';

(window as unknown as { cluster: unknown }).cluster = clusterPage(
  (id, namespace) => new IndexedDbStorage(id, { namespace }),
);
document.body.dataset.ready = 'true';
