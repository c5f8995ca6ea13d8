/** The shared 3-node cluster page (../storage-cluster.ts), every node on this origin's localStorage. */
import { LocalStorageStorage } from '@webraft/storage-localstorage';
import { clusterPage } from '../storage-cluster.js';

(window as unknown as { cluster: unknown }).cluster = clusterPage(
  (id, namespace) => new LocalStorageStorage(id, { namespace }),
);
document.body.dataset.ready = 'true';
