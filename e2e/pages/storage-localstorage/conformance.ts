import { runStorageTests } from '@webraft/core/testing';
import { LocalStorageStorage } from '@webraft/storage-localstorage';
import { runSuite } from '../run-suite.js';

/** `runStorageTests` over Chromium's localStorage (and its sessionStorage: any `Storage` works). */
function runConformance(which: 'localStorage' | 'sessionStorage') {
  const storage = which === 'localStorage' ? localStorage : sessionStorage;
  return runSuite((harness) =>
    runStorageTests((name) => new LocalStorageStorage(name, { storage }), harness, {
      title: `LocalStorageStorage conformance (Chromium, ${which})`,
      destroyStore: (name) => LocalStorageStorage.destroy(name, { storage }),
    }),
  );
}

(window as unknown as { runConformance: typeof runConformance }).runConformance = runConformance;
document.body.dataset.ready = 'true';
