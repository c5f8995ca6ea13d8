import { runStorageTests } from '@webraft/core/testing';
import { IndexedDbStorage } from '@webraft/storage-indexeddb';
import { runSuite } from '../run-suite.js';

/** `runStorageTests` over Chromium's IndexedDB, with the default and with tiny snapshot chunks. */
function runConformance(snapshotChunkChars?: number) {
  return runSuite((harness) =>
    runStorageTests(
      (name) => new IndexedDbStorage(name, snapshotChunkChars ? { snapshotChunkChars } : {}),
      harness,
      {
        title: `IndexedDbStorage conformance (Chromium${snapshotChunkChars ? `, ${snapshotChunkChars}-character chunks` : ''})`,
        destroyStore: (name) => IndexedDbStorage.destroy(name),
      },
    ),
  );
}

(window as unknown as { runConformance: typeof runConformance }).runConformance = runConformance;
document.body.dataset.ready = 'true';
