/**
 * One node's IndexedDB storage in this page (../storage-store.ts): a node filling its store under a
 * tiny quota, and plain writes and reads for the isolation test.
 */
import { IndexedDbStorage } from '@webraft/storage-indexeddb';
import { storePage } from '../storage-store.js';

const estimate = async () => (await navigator.storage.estimate()).usage ?? 0;

(window as unknown as { store: unknown }).store = {
  ...storePage((id, namespace) => new IndexedDbStorage(id, { namespace })),
  estimate,
};
document.body.dataset.ready = 'true';
